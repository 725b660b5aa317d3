package dev.drover.coordinator.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
