package dev.drover.agent.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drover.protocol.Json;
import dev.drover.protocol.agent.HealthStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HealthPolicyFileTest {
  @TempDir Path dir;

  @Test
  void yamlOverridesOnlyWhatItNames() throws Exception {
    Path f = dir.resolve("policy.yaml");
    Files.writeString(f, """
        xid:
          unknown: healthy
          degradedClearAfter: 30m
          overrides:
            "13": unhealthy
            "94": Unhealthy
        ecc:
          singleBitDegradedAt: 50
        thermal:
          hysteresisC: 3
        counters:
          clearAfter: 2m
        """);
    HealthPolicy p = HealthPolicyFile.load(f);
    HealthPolicy d = HealthPolicy.defaults();
    assertEquals(HealthStatus.UNHEALTHY, p.xid(13));
    assertEquals(HealthStatus.UNHEALTHY, p.xid(94));
    assertEquals(HealthStatus.UNHEALTHY, p.xid(79), "catalog entries not overridden stay");
    assertEquals(HealthStatus.HEALTHY, p.xid(4242));
    assertEquals(Duration.ofMinutes(30), p.degradedXidClearAfter());
    assertEquals(50, p.eccSbeDegradedAt());
    assertEquals(3, p.thermalHysteresisC());
    assertEquals(d.thermalShutdownMarginC(), p.thermalShutdownMarginC());
    assertEquals(Duration.ofMinutes(2), p.counterClearAfter());
    assertEquals(d.pcieReplaysPerMinute(), p.pcieReplaysPerMinute());
  }

  @Test
  void jsonAndEmptyFilesWork() throws Exception {
    Path json = dir.resolve("policy.json");
    Files.writeString(json, "{\"pcieReplay\": {\"degradedAbovePerMinute\": 5}, \"nvlinkErrors\": {\"degradedAbovePerMinute\": 2}}");
    HealthPolicy p = HealthPolicyFile.load(json);
    assertEquals(5, p.pcieReplaysPerMinute());
    assertEquals(2, p.nvlinkErrorsPerMinute());
    Path empty = dir.resolve("empty.yaml");
    Files.writeString(empty, "");
    assertEquals(HealthPolicy.defaults(), HealthPolicyFile.load(empty));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    "unknown section      | {\"xids\": {}}                                    | /xids: unknown section",
    "unknown field        | {\"thermal\": {\"hysteresis\": 3}}                 | /thermal/hysteresis: unknown field (known: hysteresisC, shutdownMarginC)",
    "bad verdict          | {\"xid\": {\"overrides\": {\"79\": \"broken\"}}}    | /xid/overrides/79: expected healthy, degraded or unhealthy, got \"broken\"",
    "not an XID           | {\"xid\": {\"overrides\": {\"abc\": \"healthy\"}}}  | /xid/overrides/abc: 'abc' is not an XID number",
    "bad duration         | {\"xid\": {\"degradedClearAfter\": \"soon\"}}       | /xid/degradedClearAfter: invalid duration 'soon'",
    "negative number      | {\"ecc\": {\"singleBitDegradedAt\": -1}}            | /ecc/singleBitDegradedAt: must be between 1 and",
    "text for a number    | {\"retiredPages\": {\"degradedAt\": \"many\"}}      | /retiredPages/degradedAt: expected a whole number, got \"many\"",
    "not a mapping        | [1, 2]                                             | (document): expected a mapping of sections",
    "not JSON             | {\"xid\":                                           | (document): not valid JSON",
  })
  void invalidFilesNameTheField(String name, String text, String expected) throws Exception {
    Path f = dir.resolve("bad.json");
    Files.writeString(f, text);
    InvalidHealthPolicyException e = assertThrows(InvalidHealthPolicyException.class, () -> HealthPolicyFile.load(f));
    assertTrue(e.getMessage().startsWith("invalid health policy " + f + ": "), e.getMessage());
    assertTrue(e.getMessage().contains(expected), name + ": " + e.getMessage());
  }

  @Test
  void everyErrorIsReportedAtOnce() {
    InvalidHealthPolicyException e = assertThrows(InvalidHealthPolicyException.class, () -> HealthPolicyFile.parse("p.yaml",
        "ecc: {singleBitDegradedAt: 0}\nthermal: {hysteresisC: 99}\n", Json.yaml()));
    assertEquals(2, e.errors().size(), e.getMessage());
  }
}
