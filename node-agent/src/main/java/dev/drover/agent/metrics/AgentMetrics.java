package dev.drover.agent.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.drover.protocol.agent.GpuDevice;
import dev.drover.protocol.agent.GpuHealth;
import dev.drover.protocol.agent.GpuSample;
import dev.drover.protocol.agent.HealthStatus;
import dev.drover.protocol.agent.ReplicaPhase;
import dev.drover.protocol.agent.ReplicaStatus;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import kamon.Kamon;
import kamon.metric.Metric;
import kamon.prometheus.PrometheusReporter;
import kamon.tag.TagSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's Prometheus endpoint: Kamon's JVM and process metrics plus the agent's own reading of
 * its GPUs and replicas, served by a small JDK HTTP server at {@code GET /metrics} on
 * {@code --metrics-listen}. The bound port goes to {@code <work-dir>/metrics.port}, so agents on
 * port 0 (tests, several agents on one machine) can be found.
 *
 * <p>Kamon starts without attaching Kanela: the agent runs no Pekko, Pekko HTTP or JDBC for it to
 * instrument, and the JVM and process metrics need no bytecode instrumentation.
 */
public final class AgentMetrics implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AgentMetrics.class);
  public static final String PORT_FILE = "metrics.port";

  private final HttpServer http;
  private final ExecutorService httpExec;
  private final ScheduledExecutorService timer;
  private final Path portFile;
  private final String node;
  private final AgentReadings readings;

  private final Metric.Gauge utilization = Kamon.gauge("drover.agent.gpu.utilization.ratio", "GPU utilization (0-1)");
  private final Metric.Gauge memoryUsed = Kamon.gauge("drover.agent.gpu.memory.used.bytes", "GPU memory in use");
  private final Metric.Gauge memoryTotal = Kamon.gauge("drover.agent.gpu.memory.total.bytes", "GPU memory");
  private final Metric.Gauge temperature = Kamon.gauge("drover.agent.gpu.temperature.celsius", "GPU temperature");
  private final Metric.Gauge power = Kamon.gauge("drover.agent.gpu.power.watts", "GPU power draw");
  private final Metric.Gauge healthy = Kamon.gauge("drover.agent.gpu.healthy",
      "1 while the agent's health monitor reads the GPU as Healthy, else 0");
  private final Metric.Gauge replicas = Kamon.gauge("drover.agent.replicas", "Replicas this agent holds, by phase");

  private AgentMetrics(HttpServer http, ExecutorService httpExec, ScheduledExecutorService timer, Path portFile, String node,
      AgentReadings readings) {
    this.http = http;
    this.httpExec = httpExec;
    this.timer = timer;
    this.portFile = portFile;
    this.node = node;
    this.readings = readings;
  }

  /**
   * Starts Kamon and the endpoint, and reads the gauges every interval.
   *
   * @throws IOException when the listen address cannot be bound or the port file not written
   */
  public static AgentMetrics start(MetricsSettings settings, String node, Path workDir, AgentReadings readings)
      throws IOException {
    Config config = ConfigFactory.parseMap(Map.of(
            "kamon.environment.service", "drover-node-agent",
            "kamon.environment.host", node,
            "kamon.metric.tick-interval", settings.interval().toMillis() + "ms",
            "kamon.metric.optimistic-tick-alignment", "no",
            "kamon.modules.status-page.enabled", "no",
            "kamon.modules.host-metrics.enabled", "no",
            "kamon.modules.jvm-metrics.interval", settings.interval().toMillis() + "ms",
            "kamon.init.hide-banner", "true",
            "kamon.prometheus.start-embedded-http-server", "no"))
        .withFallback(ConfigFactory.load());
    Kamon.initWithoutAttaching(config);
    HttpServer http;
    try {
      http = HttpServer.create(settings.listen(), 16);
    } catch (IOException e) {
      throw new java.net.BindException("cannot listen on --metrics-listen " + settings.listen().getHostString() + ":"
          + settings.listen().getPort() + ": " + e.getMessage());
    }
    ExecutorService httpExec = Executors.newSingleThreadExecutor(daemon("metrics-http"));
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(daemon("metrics-gauges"));
    AgentMetrics m = new AgentMetrics(http, httpExec, timer, workDir.resolve(PORT_FILE), node, readings);
    http.createContext("/metrics", m::serve);
    http.setExecutor(httpExec);
    http.start();
    m.writePortFile();
    timer.scheduleWithFixedDelay(m::refresh, 0, settings.interval().toMillis(), TimeUnit.MILLISECONDS);
    log.info("Metrics: GET /metrics on {}:{}", settings.listen().getHostString(), m.port());
    return m;
  }

  public int port() {
    return http.getAddress().getPort();
  }

  private void serve(HttpExchange ex) throws IOException {
    try (ex) {
      if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
        byte[] body = ("{\"type\":\"about:blank\",\"title\":\"Method Not Allowed\",\"status\":405,"
            + "\"detail\":\"method not allowed here; supported: GET\"}").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/problem+json");
        ex.getResponseHeaders().set("Allow", "GET");
        ex.sendResponseHeaders(405, body.length);
        ex.getResponseBody().write(body);
        return;
      }
      if (!"/metrics".equals(ex.getRequestURI().getPath())) {
        byte[] body = ("{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404,"
            + "\"detail\":\"no such endpoint; metrics are at /metrics\"}").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/problem+json");
        ex.sendResponseHeaders(404, body.length);
        ex.getResponseBody().write(body);
        return;
      }
      // Empty until Kamon's first snapshot, one interval after the start.
      byte[] body = PrometheusReporter.latestScrapeData().getOrElse(() -> "").getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
      boolean head = "HEAD".equals(ex.getRequestMethod());
      ex.sendResponseHeaders(200, head ? -1 : body.length);
      if (!head) {
        try (OutputStream out = ex.getResponseBody()) {
          out.write(body);
        }
      }
    }
  }

  /** Reads the GPUs, their health and the replicas into the gauges; never throws (a timer thread). */
  void refresh() {
    try {
      Map<Integer, GpuDevice> devices = new HashMap<>();
      for (GpuDevice d : readings.gpus()) {
        devices.put(d.index(), d);
        memoryTotal.withTags(gpuTags(d)).update(d.memoryBytes());
      }
      for (GpuSample s : readings.sample()) {
        GpuDevice d = devices.get(s.index());
        if (d == null) {
          continue;
        }
        TagSet tags = gpuTags(d);
        // -1: the device cannot report it; leave the series alone rather than export a false value.
        if (s.utilizationPercent() >= 0) {
          utilization.withTags(tags).update(s.utilizationPercent() / 100.0);
        }
        if (s.memoryUsedBytes() >= 0) {
          memoryUsed.withTags(tags).update(s.memoryUsedBytes());
        }
        if (s.temperatureC() >= 0) {
          temperature.withTags(tags).update(s.temperatureC());
        }
        if (s.powerWatts() >= 0) {
          power.withTags(tags).update(s.powerWatts());
        }
      }
      for (GpuHealth h : readings.health().gpus()) {
        GpuDevice d = devices.get(h.index());
        if (d != null) {
          healthy.withTags(gpuTags(d)).update(h.status() == HealthStatus.HEALTHY ? 1 : 0);
        }
      }
      Map<String, Integer> byPhase = new HashMap<>();
      for (ReplicaPhase p : ReplicaPhase.values()) {
        byPhase.put(p.name(), 0);
      }
      for (ReplicaStatus r : readings.replicas()) {
        byPhase.merge(r.phase().name(), 1, Integer::sum);
      }
      byPhase.forEach((phase, n) -> replicas.withTags(TagSet.from(Map.<String, Object>of("node", node, "phase", phase))).update(n));
    } catch (RuntimeException e) {
      log.warn("Metrics: cannot read the GPUs: {}", e.toString());
    }
  }

  private TagSet gpuTags(GpuDevice d) {
    return TagSet.from(Map.<String, Object>of("node", node, "gpu", Integer.toString(d.index()),
        "uuid", d.uuid() == null ? "" : d.uuid(), "model", d.name() == null ? "unknown" : d.name()));
  }

  private void writePortFile() throws IOException {
    Path tmp = portFile.resolveSibling(PORT_FILE + ".tmp");
    Files.writeString(tmp, port() + "\n", StandardCharsets.UTF_8);
    Files.move(tmp, portFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Stops serving and removes the port file. */
  @Override
  public void close() {
    timer.shutdownNow();
    http.stop(0);
    httpExec.shutdownNow();
    try {
      Files.deleteIfExists(portFile);
    } catch (IOException e) {
      log.warn("Cannot remove {}: {}", portFile, e.toString());
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
