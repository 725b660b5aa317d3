package dev.drover.coordinator.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.drover.coordinator.DroverSettings;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsSettingsTest {
  private static DroverSettings load(String overrides) {
    return DroverSettings.from(ConfigFactory.parseString(overrides).withFallback(ConfigFactory.load()).resolve());
  }

  @Test
  void defaultsServeOpenMetricsWithInstrumentationEveryFiveSeconds() {
    MetricsSettings m = load("").metrics();
    assertEquals(MetricsSettings.DEFAULTS, m);
    assertEquals(List.of(), m.problems());
  }

  @Test
  void anIntervalOutsideItsRangeIsAProblemNamingTheSetting() {
    assertEquals(List.of("drover.metrics.interval must be between 100ms and 10m, got 10ms"),
        load("drover.metrics.interval = 10ms").metrics().problems());
    assertEquals(List.of("drover.metrics.interval must be between 100ms and 10m, got 3600000ms"),
        load("drover.metrics.interval = 1h").metrics().problems());
    assertEquals(Duration.ofSeconds(1), load("drover.metrics.interval = 1s").metrics().interval());
  }

  @Test
  void perGpuSeriesAreOnUpToTheLimitInAutoAndAsSetOtherwise() {
    MetricsSettings auto = load("").metrics();
    assertTrue(auto.perGpuSeries(1_000));
    assertFalse(auto.perGpuSeries(1_001));
    MetricsSettings on = load("drover.metrics.per-gpu = on").metrics();
    assertEquals(List.of(), on.problems());
    assertTrue(on.perGpuSeries(100_000));
    MetricsSettings off = load("drover.metrics.per-gpu = off").metrics();
    assertFalse(off.perGpuSeries(1));
    assertTrue(load("drover.metrics.per-gpu-max-gpus = 8000").metrics().perGpuSeries(8_000));
    assertEquals(List.of("drover.metrics.per-gpu must be auto, on or off, got 'maybe'"),
        load("drover.metrics.per-gpu = maybe").metrics().problems());
  }
}
