package dev.drover.coordinator.metrics;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The coordinator's metrics ({@code drover.metrics { }}, docs/metrics.md).
 *
 * @param enabled start Kamon and serve {@code GET /metrics}; off: neither (nothing is recorded or served)
 * @param instrumentation attach Kamon's Kanela agent for the Pekko actor, dispatcher, cluster sharding
 *     and Pekko HTTP metrics; off: Drover's own and the JVM and process metrics only, and a faster start
 * @param requireToken {@code GET /metrics} needs an operator or admin bearer token (it counts every
 *     user's jobs); off: open, as Prometheus scrapes usually are
 * @param interval how often Kamon takes its snapshot (what a scrape returns) and the cluster-wide
 *     gauges (jobs, GPUs, nodes, pending reasons) are recomputed
 */
public record MetricsSettings(boolean enabled, boolean instrumentation, boolean requireToken, Duration interval) {

  public static final MetricsSettings DEFAULTS = new MetricsSettings(true, true, false, Duration.ofSeconds(5));

  public static MetricsSettings from(Config c) {
    return new MetricsSettings(
        c.getBoolean("enabled"),
        c.getBoolean("instrumentation"),
        c.getBoolean("require-token"),
        c.getDuration("interval"));
  }

  /** Values that cannot work, as readable problems naming the setting; empty when consistent. */
  public List<String> problems() {
    List<String> p = new ArrayList<>();
    if (interval.compareTo(Duration.ofMillis(100)) < 0 || interval.compareTo(Duration.ofMinutes(10)) > 0) {
      p.add("drover.metrics.interval must be between 100ms and 10m, got " + interval.toMillis() + "ms");
    }
    return p;
  }
}
