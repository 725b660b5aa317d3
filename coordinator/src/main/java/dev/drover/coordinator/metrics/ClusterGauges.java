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

  private ClusterGauges(ActorSystem<?> system, JobIndex index, NodeDirectory nodes, Clock clock) {
    this.system = system;
    this.index = index;
    this.nodes = nodes;
    this.clock = clock;
  }

  /** Starts recomputing the gauges every {@code interval}. */
  public static ClusterGauges start(ActorSystem<?> system, JobIndex index, Duration interval) {
    ClusterGauges g = new ClusterGauges(system, index, NodeDirectory.get(system), Clock.systemUTC());
    system.scheduler().scheduleWithFixedDelay(Duration.ZERO, interval, g::refresh, system.executionContext());
    return g;
  }

  synchronized void refresh() {
    refreshJobs();
    refreshNodes(clock.instant());
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

  private void refreshNodes(Instant now) {
    int connected = 0;
    for (NodeView n : nodes.nodes()) {
      nodeCount.add(Map.of("status", n.status()), 1);
      if (n.cordoned() || n.draining()) nodesCordoned.add(Map.of(), 1);
      if ("Ready".equals(n.status())) connected++;
      if (n.lastSeenAt() != null) {
        lag.set(Map.of("node", n.name()), Math.max(0, Duration.between(n.lastSeenAt(), now).toMillis() / 1000.0));
      }
      for (GpuView g : n.gpus() == null ? List.<GpuView>of() : n.gpus()) {
        String model = g.name() == null ? "unknown" : g.name();
        Map<String, String> byModel = Map.of("node", n.name(), "model", model);
        gpus.add(byModel, 1);
        gpusAllocated.add(byModel, g.allocatedTo() != null ? 1 : 0);
        gpusUnhealthy.add(byModel, "Unhealthy".equals(g.health()) ? 1 : 0);
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
    }
    nodesCordoned.add(Map.of(), 0);
    agents.set(Map.of(), connected);
    for (GaugeFamily f : List.of(nodeCount, nodesCordoned, agents, lag, gpus, gpusAllocated, gpusUnhealthy, gpuAllocated,
        gpuHealthy, utilization, memoryUsed, memoryTotal, temperature, power)) {
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
