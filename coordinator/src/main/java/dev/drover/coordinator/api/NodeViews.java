package dev.drover.coordinator.api;

import dev.drover.coordinator.node.NodeEntity;
import dev.drover.coordinator.node.NodeHealth;
import dev.drover.protocol.agent.AgentMessage;
import dev.drover.protocol.agent.DesiredPhase;
import dev.drover.protocol.agent.GpuDevice;
import dev.drover.protocol.agent.GpuHealth;
import dev.drover.protocol.agent.GpuSample;
import dev.drover.protocol.agent.HealthCondition;
import dev.drover.protocol.agent.HealthStatus;
import dev.drover.protocol.agent.NodeInventory;
import dev.drover.protocol.agent.ReplicaAssignment;
import dev.drover.protocol.api.GpuDetail;
import dev.drover.protocol.api.GpuView;
import dev.drover.protocol.api.HealthConditionView;
import dev.drover.protocol.api.HealthEventView;
import dev.drover.protocol.api.NodeGpus;
import dev.drover.protocol.api.NodeView;
import dev.drover.protocol.api.TelemetryPoint;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/** Maps a node's entity state and soft state to what the API shows. */
public final class NodeViews {
  private NodeViews() {}

  public static NodeView view(NodeEntity.View v) {
    NodeEntity.State s = v.state();
    NodeInventory inv = s.inventory();
    Map<Integer, String> holder = holders(s);
    List<String> allocations = new ArrayList<>();
    for (ReplicaAssignment a : s.assignments().values()) {
      allocations.add(a.allocationId() + (a.desired() == DesiredPhase.STOP ? " (stopping)" : ""));
    }
    Map<Integer, GpuSample> samples = new HashMap<>();
    for (GpuSample g : v.telemetry()) samples.put(g.index(), g);
    Set<Integer> unusable = v.unusableGpus() == null ? Set.of() : v.unusableGpus();
    NodeHealth h = s.health();
    List<GpuView> gpus = new ArrayList<>();
    for (GpuDevice g : inv.gpus()) {
      GpuSample t = samples.get(g.index());
      NodeHealth.GpuRecord r = h.gpus().get(g.index());
      String reason = r == null || r.conditions().isEmpty()
          ? null
          : r.conditions().stream().map(NodeHealth.Condition::reason).collect(Collectors.joining("; "));
      gpus.add(new GpuView(g.index(), g.uuid(), g.name(), g.memoryBytes(), g.pciBusId(), h.gpu(g.index()).display(),
          holder.get(g.index()), t == null ? null : t.utilizationPercent(), t == null ? null : t.memoryUsedBytes(),
          t == null ? null : t.temperatureC(), t == null ? null : t.powerWatts(), reason, !unusable.contains(g.index())));
    }
    int unhealthy = (int) inv.gpus().stream().filter(g -> h.gpu(g.index()) == HealthStatus.UNHEALTHY).count();
    String status = s.ready() ? "Ready" : "NotReady";
    return new NodeView(s.name(), s.address(), status, s.schedulable(), s.cordoned(), s.draining(),
        s.cordonReason() != null ? s.cordonReason() : s.ready() ? null : s.notReadyReason(), inv.backend(), inv.driverVersion(),
        s.agentVersion(), inv.cpus(), inv.memoryBytes(), inv.labels(), inv.gpus().size(), holder.size(), gpus, allocations,
        s.registeredAt(), v.lastSeenAt(), h.node().display(), h.autoCordoned(), unhealthy);
  }

  public static NodeGpus gpus(NodeEntity.GpuReport report) {
    NodeEntity.State s = report.state();
    NodeInventory inv = s.inventory();
    NodeHealth h = s.health();
    Map<Integer, String> holder = holders(s);
    Map<Integer, GpuHealth> live = new HashMap<>();
    if (report.live() != null) for (GpuHealth g : report.live().gpus()) live.put(g.index(), g);
    Map<Integer, List<TelemetryPoint>> series = new HashMap<>();
    for (AgentMessage.Telemetry t : report.samples()) {
      for (GpuSample g : t.gpus()) series.computeIfAbsent(g.index(), k -> new ArrayList<>()).add(point(t.at(), g));
    }
    List<HealthEventView> all = h.history().stream().map(NodeViews::event).toList();
    List<GpuDetail> gpus = new ArrayList<>();
    for (GpuDevice g : inv.gpus()) {
      NodeHealth.GpuRecord r = h.gpus().get(g.index());
      HealthStatus status = h.gpu(g.index());
      GpuHealth now = live.get(g.index());
      // The agent's latest report says most precisely what is wrong now; the journal is the fallback
      // (before the agent's first report after a coordinator restart).
      List<HealthConditionView> conditions = now != null && now.status() == status && Objects.equals(now.uuid(), g.uuid())
          ? now.conditions().stream().map(NodeViews::condition).toList()
          : r == null ? List.of() : r.conditions().stream().map(NodeViews::condition).toList();
      List<TelemetryPoint> points = series.getOrDefault(g.index(), List.of());
      gpus.add(new GpuDetail(g.index(), g.uuid(), g.name(), g.serial(), g.migMode(), g.pciBusId(), g.memoryBytes(),
          g.topologyDomain(), status.display(), !report.unusableGpus().contains(g.index()), conditions,
          r == null ? null : r.since(), holder.get(g.index()), points.isEmpty() ? null : points.get(points.size() - 1), points,
          all.stream().filter(e -> Objects.equals(e.gpu(), g.index())).toList()));
    }
    List<HealthConditionView> nodeConditions = report.live() != null && nodeStatus(report.live()) == h.node()
        ? report.live().node().stream().map(NodeViews::condition).toList()
        : h.nodeConditions().stream().map(NodeViews::condition).toList();
    return new NodeGpus(s.name(), h.node().display(), nodeConditions, h.autoCordoned(), gpus, inv.topology(),
        all.stream().filter(e -> e.gpu() == null).toList());
  }

  private static HealthStatus nodeStatus(AgentMessage.Health live) {
    HealthStatus st = HealthStatus.HEALTHY;
    for (HealthCondition c : live.node()) st = st.worst(c.status());
    return st;
  }

  private static Map<Integer, String> holders(NodeEntity.State s) {
    Map<Integer, String> holder = new HashMap<>();
    for (ReplicaAssignment a : s.assignments().values()) {
      for (Integer g : a.gpuIndices()) holder.put(g, a.jobId() + "/" + a.rank());
    }
    return holder;
  }

  private static TelemetryPoint point(Instant at, GpuSample g) {
    return new TelemetryPoint(at, g.utilizationPercent() < 0 ? null : g.utilizationPercent(),
        g.memoryUsedBytes() < 0 ? null : g.memoryUsedBytes(), g.temperatureC() < 0 ? null : g.temperatureC(),
        g.powerWatts() < 0 ? null : g.powerWatts(), g.smClockMhz(), g.throttleReasons());
  }

  private static HealthConditionView condition(HealthCondition c) {
    return new HealthConditionView(c.code(), c.status() == null ? null : c.status().display(), c.reason(), c.since(), c.xid());
  }

  private static HealthConditionView condition(NodeHealth.Condition c) {
    return new HealthConditionView(c.code(), NodeHealth.status(c.status()).display(), c.reason(), c.since(), c.xid());
  }

  private static HealthEventView event(NodeHealth.Transition t) {
    return new HealthEventView(t.kind(), t.gpu(), t.uuid(), t.from() == null ? null : NodeHealth.status(t.from()).display(),
        t.to() == null ? null : NodeHealth.status(t.to()).display(), t.reason(), t.at());
  }
}
