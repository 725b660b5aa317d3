package dev.drover.agent.metrics;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The agent's Prometheus endpoint ({@code --metrics-listen}, {@code --metrics-interval}).
 *
 * @param listen where {@code GET /metrics} is served (port 0: any free port, written to
 *     {@code <work-dir>/metrics.port}); null when metrics are off
 * @param interval how often Kamon takes its snapshot and the GPU gauges are read
 */
public record MetricsSettings(InetSocketAddress listen, Duration interval) {
  public static final MetricsSettings OFF = new MetricsSettings(null, Duration.ofSeconds(5));

  public boolean enabled() {
    return listen != null;
  }
}
