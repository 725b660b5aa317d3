package dev.drover.protocol.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JobSpecsTest {
  private static JobSpec yaml(String text) throws InvalidSpecException {
    return JobSpecs.parseValidated(text.getBytes(StandardCharsets.UTF_8), JobSpecs.Format.YAML);
  }

  @ParameterizedTest
  @CsvSource({"512Mi,536870912", "16Gi,17179869184", "2G,2000000000", "1048576,1048576", "1.5Gi,1610612736", "64Ti,70368744177664"})
  void quantitiesParse(String text, long bytes) {
    assertEquals(bytes, Quantities.parseBytes(text));
  }

  @Test
  void quantitiesFormatAndRejectNonsense() {
    assertEquals("16Gi", Quantities.formatBytes(16L << 30));
    assertEquals("1.5Gi", Quantities.formatBytes(3L << 29));
    assertThrows(IllegalArgumentException.class, () -> Quantities.parseBytes("12 parsecs"));
    assertThrows(IllegalArgumentException.class, () -> Quantities.parseBytes("99999999999999Pi"));
  }

  @ParameterizedTest
  @CsvSource({"30s,30", "5m,300", "1h30m,5400", "2d,172800", "45,45"})
  void durationsParse(String text, long seconds) {
    assertEquals(Duration.ofSeconds(seconds), Durations.parse(text));
  }

  @Test
  void durationsFormatCanonically() {
    assertEquals("1h30m", Durations.format(Duration.ofMinutes(90)));
    assertEquals("250ms", Durations.format(Duration.ofMillis(250)));
    assertEquals("0s", Durations.format(Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> Durations.parse("forever"));
  }

  @Test
  void normalizationFillsEveryDefault() throws Exception {
    JobSpec s = yaml("name: t\ncommand: [\"true\"]\n");
    assertEquals("default", s.queue());
    assertEquals(1, s.replicas());
    assertEquals(0, s.resources().gpus());
    assertEquals("1Gi", s.resources().memory());
    assertEquals("30s", s.terminationGracePeriod());
    assertEquals("TERM", s.stopSignal());
    assertEquals("pack", s.placement().strategy());
    assertEquals(0, s.restartPolicy().maxRestarts());
    assertEquals(Boolean.FALSE, s.preemptible());
  }

  @Test
  void priorityClassesResolveAndUnknownOnesAreNamed() throws Exception {
    Map<String, Integer> classes = Map.of("low", -100, "normal", 0, "high", 100);
    byte[] high = "name: t\npriorityClass: high\ncommand: [\"true\"]\n".getBytes(StandardCharsets.UTF_8);
    assertEquals(100, JobSpecs.parseValidated(high, JobSpecs.Format.YAML, classes, "normal").priority());
    byte[] none = "name: t\ncommand: [\"true\"]\n".getBytes(StandardCharsets.UTF_8);
    JobSpec defaulted = JobSpecs.parseValidated(none, JobSpecs.Format.YAML, classes, "low");
    assertEquals(-100, defaulted.priority());
    assertEquals("low", defaulted.priorityClass());
    byte[] unknown = "name: t\npriorityClass: urgent\ncommand: [\"true\"]\n".getBytes(StandardCharsets.UTF_8);
    InvalidSpecException e = assertThrows(InvalidSpecException.class,
        () -> JobSpecs.parseValidated(unknown, JobSpecs.Format.YAML, classes, "normal"));
    assertEquals("/priorityClass", e.errors().get(0).pointer());
    assertTrue(e.getMessage().contains("high, low, normal"), e.getMessage());
  }

  @Test
  void everyErrorIsReportedWithItsPointerAtOnce() {
    InvalidSpecException e = assertThrows(InvalidSpecException.class,
        () -> yaml("name: \"a b\"\nreplicas: 0\nresources: {gpus: -1}\ncommand: []\nenv: {RANK: \"1\"}\n"));
    assertEquals(
        java.util.List.of("/name", "/replicas", "/resources/gpus", "/command", "/env/RANK"),
        e.errors().stream().map(FieldError::pointer).toList());
  }

  @Test
  void unknownFieldsAreRejectedByNameWithASuggestion() {
    InvalidSpecException e = assertThrows(InvalidSpecException.class, () -> yaml("name: t\ncommand: [x]\nresources: {gpu: 1}\n"));
    assertEquals("/resources/gpu", e.errors().get(0).pointer());
    assertTrue(e.getMessage().contains("did you mean 'gpus'"), e.getMessage());
  }

  @Test
  void jsonAndYamlAreOneSchema() throws Exception {
    JobSpec fromJson = JobSpecs.parseValidated(
        "{\"name\":\"t\",\"replicas\":2,\"resources\":{\"gpus\":1},\"command\":[\"true\"]}".getBytes(StandardCharsets.UTF_8),
        JobSpecs.Format.JSON);
    assertEquals(yaml("name: t\nreplicas: 2\nresources: {gpus: 1}\ncommand: [\"true\"]\n"), fromJson);
  }
}
