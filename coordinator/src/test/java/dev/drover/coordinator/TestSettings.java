package dev.drover.coordinator;

import java.nio.file.Path;
import java.time.Duration;

/** Settings for entity unit tests: short intervals, nothing on disk. */
public final class TestSettings {
  private TestSettings() {}

  public static DroverSettings fast() {
    return new DroverSettings(Path.of("/nonexistent"), "127.0.0.1", 0, 1 << 20, Duration.ofSeconds(3), Path.of("/nonexistent/t"),
        Path.of("/nonexistent/j"), Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(3), Duration.ofMillis(200),
        Duration.ofMillis(300), 65536, java.util.Map.of("low", -100, "normal", 0, "high", 100), "normal", true, Duration.ZERO, 3, true,
        DroverSettings.PersistenceMode.H2, 0, 3, Duration.ofSeconds(6), Duration.ofSeconds(3),
        new HealthSettings(Duration.ofSeconds(2), 0.5, Duration.ofSeconds(5), Duration.ofSeconds(20), Duration.ofMinutes(1), 10),
        dev.drover.coordinator.metrics.MetricsSettings.DEFAULTS, dev.drover.coordinator.tls.TlsSettings.OFF);
  }
}
