package dev.drover.coordinator;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Every Drover setting of the coordinator, read once from the `drover { }` configuration. */
public record DroverSettings(
    Path dataDir,
    String httpInterface,
    int httpPort,
    long maxBodyBytes,
    Duration askTimeout,
    Path tokensFile,
    Path joinTokenFile,
    Duration heartbeatInterval,
    Duration telemetryInterval,
    Duration nodeTimeout,
    Duration schedulerInterval,
    Duration redeliveryInterval,
    int logChunkBytes,
    Map<String, Integer> priorityClasses,
    String defaultPriorityClass,
    boolean preemption,
    Duration minRuntimeBeforePreemption,
    int maxPreemptionsPerJobPerHour,
    boolean backfill,
    PersistenceMode persistenceMode,
    int managementPort,
    int breakerMaxFailures,
    Duration breakerCallTimeout,
    Duration breakerResetTimeout,
    HealthSettings health,
    dev.drover.coordinator.metrics.MetricsSettings metrics,
    dev.drover.coordinator.tls.TlsSettings tls) {

  /** Where the journal lives: an H2 file (standalone) or Cassandra (a coordinator cluster). */
  public enum PersistenceMode {
    H2,
    CASSANDRA;

    static PersistenceMode parse(String s) {
      return switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
        case "h2" -> H2;
        case "cassandra" -> CASSANDRA;
        default -> throw new IllegalArgumentException("drover.persistence.mode must be h2 or cassandra, got '" + s + "'");
      };
    }
  }

  public static DroverSettings from(Config root) {
    Config c = root.getConfig("drover");
    return new DroverSettings(
        Path.of(c.getString("data-dir")),
        c.getString("http.interface"),
        c.getInt("http.port"),
        c.getBytes("http.max-body-bytes"),
        c.getDuration("http.ask-timeout"),
        Path.of(c.getString("auth.tokens-file")),
        Path.of(c.getString("auth.join-token-file")),
        c.getDuration("agents.heartbeat-interval"),
        c.getDuration("agents.telemetry-interval"),
        c.getDuration("agents.node-timeout"),
        c.getDuration("scheduler.interval"),
        c.getDuration("scheduler.redelivery-interval"),
        (int) (long) c.getBytes("jobs.log-chunk-bytes"),
        priorityClasses(c.getConfig("scheduler.priority-classes")),
        c.getString("scheduler.default-priority-class"),
        c.getBoolean("scheduler.preemption"),
        c.getDuration("scheduler.min-runtime-before-preemption"),
        c.getInt("scheduler.max-preemptions-per-job-per-hour"),
        c.getBoolean("scheduler.backfill"),
        PersistenceMode.parse(c.getString("persistence.mode")),
        c.getInt("management.port"),
        c.getInt("store-breaker.max-failures"),
        c.getDuration("store-breaker.call-timeout"),
        c.getDuration("store-breaker.reset-timeout"),
        HealthSettings.from(c.getConfig("health")),
        dev.drover.coordinator.metrics.MetricsSettings.from(c.getConfig("metrics")),
        dev.drover.coordinator.tls.TlsSettings.from(c.getConfig("http.tls")));
  }

  private static Map<String, Integer> priorityClasses(Config c) {
    Map<String, Integer> m = new TreeMap<>();
    for (String key : c.root().keySet()) m.put(key, c.getInt(key));
    return Map.copyOf(m);
  }

  /** Settings that cannot work together, as readable problems; empty when consistent. */
  public List<String> problems() {
    List<String> p = new ArrayList<>();
    if (httpPort < 1 || httpPort > 65535) p.add("drover.http.port must be between 1 and 65535, got " + httpPort);
    if (nodeTimeout.compareTo(Duration.ofSeconds(1)) < 0) p.add("drover.agents.node-timeout must be at least 1s");
    if (minRuntimeBeforePreemption.isNegative()) p.add("drover.scheduler.min-runtime-before-preemption must not be negative");
    if (maxPreemptionsPerJobPerHour < 0) p.add("drover.scheduler.max-preemptions-per-job-per-hour must not be negative");
    if (managementPort < 0 || managementPort > 65535) p.add("drover.management.port must be between 0 and 65535, got " + managementPort);
    if (breakerMaxFailures < 1) p.add("drover.store-breaker.max-failures must be at least 1");
    if (breakerCallTimeout.compareTo(Duration.ofMillis(100)) < 0) p.add("drover.store-breaker.call-timeout must be at least 100ms");
    if (priorityClasses.isEmpty()) p.add("drover.scheduler.priority-classes must name at least one class");
    for (String name : priorityClasses.keySet()) {
      if (!dev.drover.protocol.spec.JobSpecs.NAME.matcher(name).matches()) p.add("priority class '" + name + "' is not a valid name");
    }
    if (!priorityClasses.containsKey(defaultPriorityClass)) {
      p.add("drover.scheduler.default-priority-class '" + defaultPriorityClass + "' is not one of " + priorityClasses.keySet());
    }
    p.addAll(health.problems());
    p.addAll(metrics.problems());
    p.addAll(tls.problems());
    return p;
  }
}
