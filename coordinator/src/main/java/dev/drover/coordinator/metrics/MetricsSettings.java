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
 * @param perGpu {@code auto}, {@code on} or {@code off}: export the per-GPU gauges ({@code drover_gpu_...},
 *     7 series per GPU); {@code auto}: while the cluster has at most {@code perGpuMaxGpus} GPUs. The
 *     per-node aggregates ({@code drover_node_gpu_...}) are exported in every case
 * @param perGpuMaxGpus the most GPUs for which {@code auto} exports per-GPU gauges
 */
public record MetricsSettings(
    boolean enabled, boolean instrumentation, boolean requireToken, Duration interval, String perGpu, int perGpuMaxGpus) {

  public static final String AUTO = "auto";
  public static final int DEFAULT_PER_GPU_MAX_GPUS = 1_000;
  public static final MetricsSettings DEFAULTS =
      new MetricsSettings(true, true, false, Duration.ofSeconds(5), AUTO, DEFAULT_PER_GPU_MAX_GPUS);

  public static MetricsSettings from(Config c) {
    return new MetricsSettings(
        c.getBoolean("enabled"),
        c.getBoolean("instrumentation"),
        c.getBoolean("require-token"),
        c.getDuration("interval"),
        c.getString("per-gpu").trim().toLowerCase(java.util.Locale.ROOT),
        c.getInt("per-gpu-max-gpus"));
  }

  /**
   * Whether the per-GPU gauges are exported for a cluster of {@code gpus} GPUs. Each costs Kamon a
   * snapshot entry and the scrape a line every interval: 56,000 series at 8,000 GPUs took a quarter
   * of a coordinator's CPU (docs/benchmarks.md), which is why {@code auto} stops at a limit.
   */
  public boolean perGpuSeries(int gpus) {
    return switch (perGpu) {
      case "on", "true", "yes" -> true;
      case "off", "false", "no" -> false;
      default -> gpus <= perGpuMaxGpus;
    };
  }

  /** Values that cannot work, as readable problems naming the setting; empty when consistent. */
  public List<String> problems() {
    List<String> p = new ArrayList<>();
    if (interval.compareTo(Duration.ofMillis(100)) < 0 || interval.compareTo(Duration.ofMinutes(10)) > 0) {
      p.add("drover.metrics.interval must be between 100ms and 10m, got " + interval.toMillis() + "ms");
    }
    if (!List.of(AUTO, "on", "off", "true", "false", "yes", "no").contains(perGpu)) {
      p.add("drover.metrics.per-gpu must be auto, on or off, got '" + perGpu + "'");
    }
    if (perGpuMaxGpus < 0) {
      p.add("drover.metrics.per-gpu-max-gpus must be 0 or more, got " + perGpuMaxGpus);
    }
    return p;
  }
}
