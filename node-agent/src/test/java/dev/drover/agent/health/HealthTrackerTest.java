package dev.drover.agent.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drover.agent.gpu.GpuReadings;
import dev.drover.agent.gpu.HealthReadings;
import dev.drover.protocol.agent.AgentMessage;
import dev.drover.protocol.agent.GpuDevice;
import dev.drover.protocol.agent.GpuHealth;
import dev.drover.protocol.agent.HealthCondition;
import dev.drover.protocol.agent.HealthStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The policy applied over time, with readings and times made up by the test (no clock, no sleeps). */
class HealthTrackerTest {
  static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
  static final List<GpuDevice> ONE_GPU = List.of(new GpuDevice(0, "GPU-0", "H100", 80L << 30, "00000000:18:00.0"));

  final HealthTracker tracker = new HealthTracker(HealthPolicy.defaults(), ONE_GPU);

  /** Healthy readings of GPU 0, changed by the builder. */
  static GpuReadings ok() {
    return new GpuReadings(0, "GPU-0", 0L, 0L, 0, false, false, false, 40, 87, 92, 0L, 0L, false);
  }

  static GpuReadings with(Long sbe, Long dbe, Integer retired, Boolean retiredPending, Boolean remapPending, Boolean remapFailure,
      Integer temp, Long pcie, Long nvlink) {
    return new GpuReadings(0, "GPU-0", sbe, dbe, retired, retiredPending, remapPending, remapFailure, temp, 87, 92, pcie, nvlink, false);
  }

  private GpuHealth read(GpuReadings r, Instant at) {
    tracker.readings(new HealthReadings(List.of(r), List.of()), at);
    return tracker.health(at).gpus().get(0);
  }

  private static String codes(GpuHealth g) {
    return g.conditions().stream().map(c -> c.code() + (c.xid() == null ? "" : " " + c.xid()) + "=" + c.status())
        .collect(Collectors.joining(","));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    "double-bit ECC         | 0   | 2 | 0  | false | false | false | 40 | ECC_DBE=UNHEALTHY       | Unhealthy",
    "single-bit below limit | 999 | 0 | 0  | false | false | false | 40 | ''                      | Healthy",
    "single-bit at limit    | 1000| 0 | 0  | false | false | false | 40 | ECC_SBE=DEGRADED        | Degraded",
    "retired pages pending  | 0   | 0 | 1  | true  | false | false | 40 | RETIRED_PAGES_PENDING=DEGRADED | Degraded",
    "many retired pages     | 0   | 0 | 60 | false | false | false | 40 | RETIRED_PAGES=DEGRADED  | Degraded",
    "row remap pending      | 0   | 0 | 0  | false | true  | false | 40 | ROW_REMAP_PENDING=DEGRADED | Degraded",
    "row remap failure      | 0   | 0 | 0  | false | false | true  | 40 | ROW_REMAP_FAILURE=UNHEALTHY | Unhealthy",
    "slowdown threshold     | 0   | 0 | 0  | false | false | false | 87 | THERMAL_SLOWDOWN=DEGRADED | Degraded",
    "shutdown margin        | 0   | 0 | 0  | false | false | false | 90 | THERMAL_SHUTDOWN=UNHEALTHY | Unhealthy",
    "dbe and row failure    | 0   | 1 | 0  | false | false | true  | 40 | ECC_DBE=UNHEALTHY,ROW_REMAP_FAILURE=UNHEALTHY | Unhealthy",
  })
  void levelReadings(String name, long sbe, long dbe, int retired, boolean pending, boolean remapPending, boolean remapFailure,
      int temp, String expected, String status) {
    GpuHealth g = read(with(sbe, dbe, retired, pending, remapPending, remapFailure, temp, 0L, 0L), T0);
    assertEquals(expected, codes(g), name);
    assertEquals(status, g.status().display(), name);
  }

  @ParameterizedTest(name = "XID {0} -> {1}")
  @CsvSource({
    "79, XID 79=UNHEALTHY, GPU has fallen off the bus",
    "48, XID 48=UNHEALTHY, Double Bit ECC Error",
    "64, XID 64=UNHEALTHY, ECC page retirement or row remapper recording failure",
    "74, XID 74=UNHEALTHY, NVLink Error",
    "95, XID 95=UNHEALTHY, Uncontained ECC error",
    "119, XID 119=UNHEALTHY, GSP RPC Timeout",
    "154, XID 154=UNHEALTHY, GPU Recovery Action Changed (reset or reboot required)",
    "63, XID 63=DEGRADED, ECC page retirement or row remapping recording event",
    "92, XID 92=DEGRADED, High single-bit ECC error rate",
    "94, XID 94=DEGRADED, Contained ECC error",
    "13, '', ''",
    "31, '', ''",
    "43, '', ''",
    "45, '', ''",
    "4242, XID 4242=DEGRADED, not in Drover's XID catalog (see NVIDIA's Xid catalog)",
  })
  void xidVerdicts(long xid, String expected, String description) {
    tracker.xid(0, xid, T0);
    GpuHealth g = tracker.health(T0).gpus().get(0);
    assertEquals(expected, codes(g));
    if (!expected.isEmpty()) {
      assertEquals("XID " + xid + ": " + description, g.conditions().get(0).reason());
      assertEquals(T0, g.conditions().get(0).since());
    }
  }

  @Test
  void degradedXidClearsAfterAQuietPeriodAndARepeatRestartsIt() {
    tracker.xid(0, 94, T0);
    Duration quiet = HealthPolicy.defaults().degradedXidClearAfter();
    tracker.xid(0, 94, T0.plus(Duration.ofMinutes(10)));
    assertEquals(T0.plus(Duration.ofMinutes(10)).plus(quiet), tracker.nextExpiry().orElseThrow());
    GpuHealth still = tracker.health(T0.plus(quiet)).gpus().get(0);
    assertEquals(HealthStatus.DEGRADED, still.status());
    assertEquals(T0, still.conditions().get(0).since(), "a repeat keeps since");
    assertEquals(HealthStatus.HEALTHY, tracker.health(T0.plus(Duration.ofMinutes(10)).plus(quiet)).gpus().get(0).status());
    assertTrue(tracker.nextExpiry().isEmpty());
  }

  @Test
  void unhealthyXidSticksUntilAReset() {
    tracker.xid(0, 79, T0);
    read(ok(), T0.plus(Duration.ofDays(30)));
    assertEquals(HealthStatus.UNHEALTHY, tracker.health(T0.plus(Duration.ofDays(30))).gpus().get(0).status());
    tracker.reset(0);
    assertEquals(HealthStatus.HEALTHY, tracker.health(T0.plus(Duration.ofDays(30))).gpus().get(0).status());
  }

  @Test
  void policyOverridesTurnAnXidAround() {
    var xids = new java.util.TreeMap<>(HealthPolicy.defaults().xids());
    xids.put(13, HealthStatus.UNHEALTHY);
    HealthPolicy d = HealthPolicy.defaults();
    HealthTracker strict = new HealthTracker(new HealthPolicy(xids, HealthStatus.HEALTHY, d.degradedXidClearAfter(),
        d.eccSbeDegradedAt(), d.retiredPagesDegradedAt(), d.thermalShutdownMarginC(), d.thermalHysteresisC(),
        d.pcieReplaysPerMinute(), d.nvlinkErrorsPerMinute(), d.counterClearAfter()), ONE_GPU);
    assertEquals(HealthStatus.UNHEALTHY, strict.xid(0, 13, T0));
    assertEquals(HealthStatus.HEALTHY, strict.xid(0, 4242, T0));
    assertEquals(HealthStatus.UNHEALTHY, strict.health(T0).gpus().get(0).status());
  }

  @Test
  void thermalHasHysteresis() {
    // slowdown 87, shutdown 92 with a 2 C margin (90), hysteresis 5 C
    int[] temps = {80, 87, 86, 83, 82, 90, 89, 86, 85, 81};
    String[] expected = {"", "THERMAL_SLOWDOWN", "THERMAL_SLOWDOWN", "THERMAL_SLOWDOWN", "", "THERMAL_SHUTDOWN",
        "THERMAL_SHUTDOWN", "THERMAL_SHUTDOWN", "THERMAL_SLOWDOWN", ""};
    for (int i = 0; i < temps.length; i++) {
      GpuHealth g = read(with(0L, 0L, 0, false, false, false, temps[i], 0L, 0L), T0.plusSeconds(5L * i));
      String got = g.conditions().stream().map(HealthCondition::code).collect(Collectors.joining(","));
      assertEquals(expected[i], got, "at " + temps[i] + " C (step " + i + ")");
    }
  }

  @Test
  void countersCountRisesWithinAMinuteFromABaseline() {
    // a large count from before the agent started is the baseline, not a fault
    assertEquals(HealthStatus.HEALTHY, read(with(0L, 0L, 0, false, false, false, 40, 50_000L, 7L), T0).status());
    // 90 more replays within a minute: at the limit (100), not above
    assertEquals("", codes(read(with(0L, 0L, 0, false, false, false, 40, 50_090L, 7L), T0.plusSeconds(30))));
    // 120 within a minute: above; any NVLink rise too
    GpuHealth g = read(with(0L, 0L, 0, false, false, false, 40, 50_120L, 8L), T0.plusSeconds(50));
    assertEquals("NVLINK_ERRORS=DEGRADED,PCIE_REPLAY=DEGRADED", codes(g));
    assertTrue(g.conditions().get(1).reason().startsWith("PCIe replay counter rose by 120 within a minute"), g.conditions().get(1).reason());
    // no more rises: held for the clear-after period, then cleared
    Duration clear = HealthPolicy.defaults().counterClearAfter();
    assertEquals(2, read(with(0L, 0L, 0, false, false, false, 40, 50_120L, 8L), T0.plusSeconds(50).plus(clear).minusSeconds(1))
        .conditions().size());
    assertEquals(T0.plusSeconds(50).plus(clear), tracker.nextExpiry().orElseThrow());
    assertEquals("", codes(tracker.health(T0.plusSeconds(50).plus(clear)).gpus().get(0)));
  }

  @Test
  void aCounterGoingDownWasResetAndClearsAtOnce() {
    read(with(0L, 0L, 0, false, false, false, 40, 0L, 0L), T0);
    assertEquals(HealthStatus.DEGRADED, read(with(0L, 0L, 0, false, false, false, 40, 500L, 0L), T0.plusSeconds(5)).status());
    assertEquals(HealthStatus.HEALTHY, read(with(0L, 0L, 0, false, false, false, 40, 0L, 0L), T0.plusSeconds(10)).status());
  }

  @Test
  void sinceIsKeptWhileAConditionHoldsAndMissingReadingsKeepIt() {
    read(with(0L, 1L, 0, false, false, false, 40, 0L, 0L), T0);
    GpuHealth later = read(with(0L, 2L, 0, false, false, false, 40, 0L, 0L), T0.plusSeconds(60));
    assertEquals(T0, later.conditions().get(0).since());
    assertEquals("2 uncorrectable (double-bit) ECC error(s) since the driver loaded", later.conditions().get(0).reason());
    // the ECC counter cannot be read for a while (NVML trouble): the condition stays
    GpuHealth unknown = read(with(null, null, null, null, null, null, null, null, null), T0.plusSeconds(120));
    assertEquals("ECC_DBE=UNHEALTHY", codes(unknown));
    assertEquals(HealthStatus.HEALTHY, read(ok(), T0.plusSeconds(180)).status());
  }

  @Test
  void aLostGpuIsUnhealthyAndComesBack() {
    tracker.readings(new HealthReadings(List.of(GpuReadings.lost(0, "GPU-0")), List.of()), T0);
    assertEquals("GPU_LOST=UNHEALTHY", codes(tracker.health(T0).gpus().get(0)));
    assertEquals(HealthStatus.HEALTHY, read(ok(), T0.plusSeconds(5)).status());
  }

  @Test
  void nodeFaultsAndTheEventWatch() {
    tracker.readings(new HealthReadings(List.of(ok()), List.of(new HealthReadings.NodeFault("NVML_FAILURE", "broken"))), T0);
    tracker.watchProblem("waiting for NVML events fails", T0);
    AgentMessage.Health h = tracker.health(T0);
    assertEquals(List.of(new HealthCondition("NVML_FAILURE", HealthStatus.UNHEALTHY, "broken", T0, null),
        new HealthCondition("DRIVER", HealthStatus.DEGRADED, "waiting for NVML events fails", T0, null)), h.node());
    tracker.readings(new HealthReadings(List.of(ok()), List.of()), T0.plusSeconds(5));
    assertEquals(1, tracker.health(T0.plusSeconds(5)).node().size(), "the event watch is not a reading");
    tracker.watchProblem(null, T0.plusSeconds(6));
    assertEquals(List.of(), tracker.health(T0.plusSeconds(6)).node());
  }
}
