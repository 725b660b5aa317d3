package dev.drover.coordinator.metrics;

import dev.drover.coordinator.job.JobEntity;
import dev.drover.coordinator.node.NodeDirectory;
import dev.drover.coordinator.projection.JobIndex;
import dev.drover.coordinator.queue.QueueRegistry;
import dev.drover.coordinator.scheduling.SchedulerSingleton;
import dev.drover.coordinator.scheduling.model.PendingReason;
import dev.drover.protocol.api.GpuView;
import dev.drover.protocol.api.JobState;
import dev.drover.protocol.api.NodeView;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * The cluster-wide gauges: jobs by state and queue (from the {@link JobIndex}), nodes, agents,
 * heartbeat lag and GPUs (from the {@link NodeDirectory}), pending jobs by reason (asked from the
 * scheduler). Every coordinator sees every job and node, so every coordinator exports the same
 * values: aggregate them with {@code max by (...)} or scrape one (docs/metrics.md).
 *
 * <p>Recomputed every {@code drover.metrics.interval} on the actor system's scheduler; a round walks
 * the index and the directory once.
 */
public final class ClusterGauges {
  private static final List<JobState> STATES = List.of(JobState.values()).stream().filter(s -> s != JobState.UNKNOWN).toList();

  private final ActorSystem<?> system;
  private final JobIndex index;
  private final NodeDirectory nodes;
  private final Clock clock;

  private final GaugeFamily jobs = new GaugeFamily("drover.jobs", "Jobs by state and queue", true);
  private final GaugeFamily pending = new GaugeFamily("drover.scheduler.pending.jobs",
      "Waiting jobs by the reason code of the scheduler's last cycle", true);
  private final GaugeFamily nodeCount = new GaugeFamily("drover.nodes", "Nodes by status (Ready, NotReady, Unknown)", true);
  private final GaugeFamily nodesCordoned = new GaugeFamily("drover.nodes.cordoned",
      "Nodes cordoned or draining (by operator or automatically)", true);
  private final GaugeFamily agents = new GaugeFamily("drover.agents.connected",
      "Nodes whose agent was heard from within the node timeout (status Ready)", true);
  private final GaugeFamily lag = new GaugeFamily("drover.node.heartbeat.lag.seconds",
      "Seconds since the node's agent last sent anything, as this coordinator last heard", false);
  private final GaugeFamily gpus = new GaugeFamily("drover.gpus", "GPUs by node and model", true);
  private final GaugeFamily gpusAllocated = new GaugeFamily("drover.gpus.allocated",
      "GPUs held by a job replica, by node and model", true);
  private final GaugeFamily gpusUnhealthy = new GaugeFamily("drover.gpus.unhealthy",
      "GPUs whose health is Unhealthy, by node and model", true);
  private final GaugeFamily gpuAllocated = new GaugeFamily("drover.gpu.allocated",
      "1 while the GPU is held by a job replica, else 0", true);
  private final GaugeFamily gpuHealthy = new GaugeFamily("drover.gpu.healthy",
      "1 while the GPU's health is Healthy, 0 when Degraded or Unhealthy", true);
  private final GaugeFamily utilization = new GaugeFamily("drover.gpu.utilization.ratio",
      "GPU utilization (0-1) from the agent's last telemetry", false);
  private final GaugeFamily memoryUsed = new GaugeFamily("drover.gpu.memory.used.bytes",
      "GPU memory in use from the agent's last telemetry", false);
  private final GaugeFamily memoryTotal = new GaugeFamily("drover.gpu.memory.total.bytes", "GPU memory", true);
  private final GaugeFamily temperature = new GaugeFamily("drover.gpu.temperature.celsius",
      "GPU temperature from the agent's last telemetry", false);
  private final GaugeFamily power = new GaugeFamily("drover.gpu.power.watts",
      "GPU power draw from the agent's last telemetry", false);
  private final List<GaugeFamily> perGpu =
      List.of(gpuAllocated, gpuHealthy, utilization, memoryUsed, memoryTotal, temperature, power);
  private final GaugeFamily nodeUtilization = new GaugeFamily("drover.node.gpu.utilization.ratio",
      "Mean utilization (0-1) of the node's GPUs that reported one in the agent's last telemetry", false);
  private final GaugeFamily nodeMemoryUsed = new GaugeFamily("drover.node.gpu.memory.used.bytes",
      "GPU memory in use on the node, summed over its GPUs, from the agent's last telemetry", false);
  private final GaugeFamily nodeMemoryTotal = new GaugeFamily("drover.node.gpu.memory.total.bytes",
      "GPU memory of the node, summed over its GPUs", true);
  private final GaugeFamily nodeTemperature = new GaugeFamily("drover.node.gpu.temperature.celsius",
      "Hottest GPU of the node from the agent's last telemetry", false);
  private final GaugeFamily nodePower = new GaugeFamily("drover.node.gpu.power.watts",
      "Power draw of the node's GPUs, summed, from the agent's last telemetry", false);
  private final MetricsSettings settings;
  /** Whether the last round exported per-GPU gauges. */
  private boolean perGpuOn = true;

  ClusterGauges(ActorSystem<?> system, JobIndex index, NodeDirectory nodes, Clock clock, MetricsSettings settings) {
    this.system = system;
    this.index = index;
    this.nodes = nodes;
    this.clock = clock;
    this.settings = settings;
  }

  /** Starts recomputing the gauges every {@code drover.metrics.interval}. */
  public static ClusterGauges start(ActorSystem<?> system, JobIndex index, MetricsSettings settings) {
    ClusterGauges g = new ClusterGauges(system, index, NodeDirectory.get(system), Clock.systemUTC(), settings);
    system.scheduler().scheduleWithFixedDelay(Duration.ZERO, settings.interval(), g::refresh, system.executionContext());
    return g;
  }

  synchronized void refresh() {
    refreshJobs();
    refreshNodes(nodes.nodes(), clock.instant());
    askPendingReasons();
  }

  private void refreshJobs() {
    TreeSet<String> queues = new TreeSet<>();
    queues.add(QueueRegistry.DEFAULT_QUEUE);
    for (JobEntity.State s : index.all()) {
      String queue = s.spec() == null || s.spec().queue() == null ? QueueRegistry.DEFAULT_QUEUE : s.spec().queue();
      queues.add(queue);
      JobState state = s.phase() == null ? JobState.UNKNOWN : s.phase();
      jobs.add(Map.of("state", state.name(), "queue", queue), 1);
    }
    // Every state of every queue, zeros included, so a panel shows a line at 0 rather than a gap.
    for (String q : queues) for (JobState st : STATES) jobs.add(Map.of("state", st.name(), "queue", q), 0);
    jobs.publish();
  }

  /** Whether the last round exported the per-GPU gauges (drover.metrics.per-gpu). */
  synchronized boolean perGpuExported() {
    return perGpuOn;
  }

  /** The label sets and values the family of this Kamon name published last round (tests). */
  synchronized Map<Map<String, String>, Double> lastRound(String name) {
    for (GaugeFamily f : allNodeFamilies()) if (f.name().equals(name)) return f.lastRound();
    throw new IllegalArgumentException("no node gauge " + name);
  }

  private List<GaugeFamily> allNodeFamilies() {
    List<GaugeFamily> all = new java.util.ArrayList<>(List.of(nodeCount, nodesCordoned, agents, lag, gpus, gpusAllocated,
        gpusUnhealthy, nodeUtilization, nodeMemoryUsed, nodeMemoryTotal, nodeTemperature, nodePower));
    all.addAll(perGpu);
    return all;
  }

  synchronized void refreshNodes(java.util.Collection<NodeView> views, Instant now) {
    int gpuCount = 0;
    for (NodeView n : views) gpuCount += n.gpus() == null ? 0 : n.gpus().size();
    boolean withGpus = settings.perGpuSeries(gpuCount);
    if (perGpuOn && !withGpus) {
      // Kamon stops snapshotting them; the Prometheus reporter keeps their last values (docs/metrics.md).
      for (GaugeFamily f : perGpu) f.removeAll();
    }
    perGpuOn = withGpus;
    int connected = 0;
    for (NodeView n : views) {
      nodeCount.add(Map.of("status", n.status()), 1);
      if (n.cordoned() || n.draining()) nodesCordoned.add(Map.of(), 1);
      if ("Ready".equals(n.status())) connected++;
      if (n.lastSeenAt() != null) {
        lag.set(Map.of("node", n.name()), Math.max(0, Duration.between(n.lastSeenAt(), now).toMillis() / 1000.0));
      }
      Map<String, String> byNode = Map.of("node", n.name());
      double utilizationSum = 0;
      int utilizationCount = 0;
      double memorySum = 0;
      double memoryTotalSum = 0;
      double hottest = -1;
      double powerSum = 0;
      boolean anyMemory = false;
      boolean anyPower = false;
      for (GpuView g : n.gpus() == null ? List.<GpuView>of() : n.gpus()) {
        String model = g.name() == null ? "unknown" : g.name();
        Map<String, String> byModel = Map.of("node", n.name(), "model", model);
        gpus.add(byModel, 1);
        gpusAllocated.add(byModel, g.allocatedTo() != null ? 1 : 0);
        gpusUnhealthy.add(byModel, "Unhealthy".equals(g.health()) ? 1 : 0);
        memoryTotalSum += g.memoryBytes();
        if (g.utilizationPercent() != null && g.utilizationPercent() >= 0) {
          utilizationSum += g.utilizationPercent() / 100.0;
          utilizationCount++;
        }
        if (g.memoryUsedBytes() != null && g.memoryUsedBytes() >= 0) {
          memorySum += g.memoryUsedBytes();
          anyMemory = true;
        }
        if (g.temperatureC() != null && g.temperatureC() >= 0) hottest = Math.max(hottest, g.temperatureC());
        if (g.powerWatts() != null && g.powerWatts() >= 0) {
          powerSum += g.powerWatts();
          anyPower = true;
        }
        if (!withGpus) continue;
        Map<String, String> gpu = Map.of("node", n.name(), "gpu", Integer.toString(g.index()),
            "uuid", g.uuid() == null ? "" : g.uuid(), "model", model);
        gpuAllocated.set(gpu, g.allocatedTo() != null ? 1 : 0);
        gpuHealthy.set(gpu, "Healthy".equals(g.health()) ? 1 : 0);
        memoryTotal.set(gpu, g.memoryBytes());
        if (g.utilizationPercent() != null && g.utilizationPercent() >= 0) utilization.set(gpu, g.utilizationPercent() / 100.0);
        if (g.memoryUsedBytes() != null && g.memoryUsedBytes() >= 0) memoryUsed.set(gpu, g.memoryUsedBytes());
        if (g.temperatureC() != null && g.temperatureC() >= 0) temperature.set(gpu, g.temperatureC());
        if (g.powerWatts() != null && g.powerWatts() >= 0) power.set(gpu, g.powerWatts());
      }
      if (utilizationCount > 0) nodeUtilization.set(byNode, utilizationSum / utilizationCount);
      if (anyMemory) nodeMemoryUsed.set(byNode, memorySum);
      if (n.gpus() != null && !n.gpus().isEmpty()) nodeMemoryTotal.set(byNode, memoryTotalSum);
      if (hottest >= 0) nodeTemperature.set(byNode, hottest);
      if (anyPower) nodePower.set(byNode, powerSum);
    }
    nodesCordoned.add(Map.of(), 0);
    agents.set(Map.of(), connected);
    for (GaugeFamily f : allNodeFamilies()) {
      f.publish();
    }
  }

  private void askPendingReasons() {
    CompletionStage<SchedulerSingleton.PendingReasons> answer = AskPattern.ask(SchedulerSingleton.proxy(system),
        r -> new SchedulerSingleton.GetPendingReasons(null, r), Duration.ofSeconds(3), system.scheduler());
    answer.whenComplete((reasons, failure) -> {
      // No answer (the scheduler is moving to another coordinator): keep the last round's values.
      if (failure != null) return;
      synchronized (this) {
        for (PendingReason r : reasons.reasons().values()) pending.add(Map.of("reason", r.code()), 1);
        pending.publish();
      }
    });
  }
}
