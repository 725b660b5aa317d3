package dev.drover.coordinator.api;

import dev.drover.coordinator.node.NodeEntity;
import dev.drover.protocol.agent.GpuDevice;
import dev.drover.protocol.agent.GpuSample;
import dev.drover.protocol.agent.NodeInventory;
import dev.drover.protocol.agent.ReplicaAssignment;
import dev.drover.protocol.agent.DesiredPhase;
import dev.drover.protocol.api.GpuView;
import dev.drover.protocol.api.NodeView;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Maps a node's entity state and soft state to what the API shows. */
final class NodeViews {
  private NodeViews() {}

  static NodeView view(NodeEntity.View v) {
    NodeEntity.State s = v.state();
    NodeInventory inv = s.inventory();
    Map<Integer, String> holder = new HashMap<>();
    List<String> allocations = new ArrayList<>();
    for (ReplicaAssignment a : s.assignments().values()) {
      allocations.add(a.allocationId() + (a.desired() == DesiredPhase.STOP ? " (stopping)" : ""));
      for (Integer g : a.gpuIndices()) holder.put(g, a.jobId() + "/" + a.rank());
    }
    Map<Integer, GpuSample> samples = new HashMap<>();
    for (GpuSample g : v.telemetry()) samples.put(g.index(), g);
    List<GpuView> gpus = new ArrayList<>();
    for (GpuDevice g : inv.gpus()) {
      GpuSample t = samples.get(g.index());
      gpus.add(new GpuView(g.index(), g.uuid(), g.name(), g.memoryBytes(), g.pciBusId(), "Healthy", holder.get(g.index()),
          t == null ? null : t.utilizationPercent(), t == null ? null : t.memoryUsedBytes(),
          t == null ? null : t.temperatureC(), t == null ? null : t.powerWatts()));
    }
    String status = s.ready() ? "Ready" : "NotReady";
    return new NodeView(s.name(), s.address(), status, s.schedulable(), s.cordoned(), s.draining(),
        s.cordonReason() != null ? s.cordonReason() : s.ready() ? null : s.notReadyReason(), inv.backend(), inv.driverVersion(),
        s.agentVersion(), inv.cpus(), inv.memoryBytes(), inv.labels(), inv.gpus().size(), holder.size(), gpus, allocations,
        s.registeredAt(), v.lastSeenAt());
  }
}
