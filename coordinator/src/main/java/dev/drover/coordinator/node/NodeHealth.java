package dev.drover.coordinator.node;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.drover.coordinator.CborSerializable;
import dev.drover.protocol.agent.HealthCondition;
import dev.drover.protocol.agent.HealthStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The journaled health of a node: each GPU's status with the conditions that caused it, node-level
 * faults, whether the node was cordoned automatically, and a bounded history of transitions. Only
 * transitions are journaled (never samples); this record is rebuilt from them.
 *
 * <p>Statuses are stored as strings so that a status added by a later release reads here instead of
 * failing recovery ({@link #status(String)} maps an unknown one to DEGRADED).
 *
 * @param gpus by GPU index; a GPU that was never reported is HEALTHY and absent
 * @param autoCordoned the node's cordon was set by Drover and may be lifted by Drover
 * @param autoCordons when the recent automatic cordons happened, newest last (flap damping)
 * @param lastTransitionAt the latest health transition or automatic cordon; the uncordon hold counts
 *     from it
 * @param history the latest transitions, newest last
 */
public record NodeHealth(
    Map<Integer, GpuRecord> gpus,
    String nodeStatus,
    List<Condition> nodeConditions,
    boolean autoCordoned,
    List<Instant> autoCordons,
    Instant lastTransitionAt,
    List<Transition> history)
    implements CborSerializable {

  /** Transitions kept in {@link #history()}. */
  public static final int HISTORY = 200;
  /** Automatic cordon times kept for flap damping. */
  static final int CORDONS = 16;

  public static final NodeHealth EMPTY =
      new NodeHealth(Map.of(), HealthStatus.HEALTHY.name(), List.of(), false, List.of(), null, List.of());

  public NodeHealth {
    gpus = gpus == null ? Map.of() : Map.copyOf(gpus);
    nodeStatus = nodeStatus == null ? HealthStatus.HEALTHY.name() : nodeStatus;
    nodeConditions = nodeConditions == null ? List.of() : List.copyOf(nodeConditions);
    autoCordons = autoCordons == null ? List.of() : List.copyOf(autoCordons);
    history = history == null ? List.of() : List.copyOf(history);
  }

  /** One condition as journaled (see {@link HealthCondition}). */
  public record Condition(String code, String status, String reason, Instant since, Integer xid) implements CborSerializable {
    static Condition of(HealthCondition c) {
      return new Condition(c.code(), c.status() == null ? HealthStatus.DEGRADED.name() : c.status().name(), c.reason(),
          c.since(), c.xid());
    }

    static List<Condition> of(List<HealthCondition> cs) {
      return cs.stream().map(Condition::of).toList();
    }
  }

  /**
   * A GPU's journaled health.
   *
   * @param since when it entered its current status
   * @param recoveredAt when it last left UNHEALTHY (placement waits a recovery hold after it), or null
   */
  public record GpuRecord(String uuid, String status, List<Condition> conditions, Instant since, Instant recoveredAt)
      implements CborSerializable {
    public GpuRecord {
      conditions = conditions == null ? List.of() : List.copyOf(conditions);
    }

    @JsonIgnore
    public HealthStatus health() {
      return NodeHealth.status(status);
    }
  }

  /**
   * One line of a node's health history.
   *
   * @param gpu the GPU index, or null for the node itself
   * @param kind GPU_HEALTH, NODE_HEALTH, AUTO_CORDON or AUTO_UNCORDON
   */
  public record Transition(String kind, Integer gpu, String uuid, String from, String to, String reason, Instant at)
      implements CborSerializable {}

  /** A stored status name as a status; a name this release does not know reads as DEGRADED. */
  public static HealthStatus status(String name) {
    if (name == null) return HealthStatus.HEALTHY;
    try {
      return HealthStatus.valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return HealthStatus.DEGRADED;
    }
  }

  @JsonIgnore
  public HealthStatus node() {
    return status(nodeStatus);
  }

  /** The GPU's status, HEALTHY when never reported. */
  public HealthStatus gpu(int index) {
    GpuRecord r = gpus.get(index);
    return r == null ? HealthStatus.HEALTHY : r.health();
  }

  /** Indices of the GPUs that are UNHEALTHY now. */
  @JsonIgnore
  public List<Integer> unhealthyGpus() {
    List<Integer> out = new ArrayList<>();
    gpus.forEach((i, r) -> {
      if (r.health() == HealthStatus.UNHEALTHY) out.add(i);
    });
    out.sort(Integer::compare);
    return out;
  }

  NodeHealth gpuChanged(NodeEntity.GpuHealthChanged e) {
    Map<Integer, GpuRecord> next = new TreeMap<>(gpus);
    GpuRecord before = gpus.get(e.gpu());
    Instant recovered = before == null ? null : before.recoveredAt();
    if (status(e.from()) == HealthStatus.UNHEALTHY && status(e.to()) != HealthStatus.UNHEALTHY) recovered = e.at();
    next.put(e.gpu(), new GpuRecord(e.uuid(), e.to(), e.conditions(), e.at(), recovered));
    return new NodeHealth(next, nodeStatus, nodeConditions, autoCordoned, autoCordons, e.at(),
        append(new Transition("GPU_HEALTH", e.gpu(), e.uuid(), e.from(), e.to(), e.reason(), e.at())));
  }

  NodeHealth nodeChanged(NodeEntity.NodeHealthChanged e) {
    return new NodeHealth(gpus, e.to(), e.conditions(), autoCordoned, autoCordons, e.at(),
        append(new Transition("NODE_HEALTH", null, null, e.from(), e.to(), e.reason(), e.at())));
  }

  NodeHealth autoCordoned(NodeEntity.NodeCordonedAutomatically e) {
    List<Instant> cordons = new ArrayList<>(autoCordons);
    cordons.add(e.at());
    while (cordons.size() > CORDONS) cordons.remove(0);
    return new NodeHealth(gpus, nodeStatus, nodeConditions, true, cordons, e.at(),
        append(new Transition("AUTO_CORDON", null, null, null, null, e.reason(), e.at())));
  }

  NodeHealth autoUncordoned(NodeEntity.NodeUncordonedAutomatically e) {
    return new NodeHealth(gpus, nodeStatus, nodeConditions, false, autoCordons, lastTransitionAt,
        append(new Transition("AUTO_UNCORDON", null, null, null, null, e.reason(), e.at())));
  }

  /** An operator set or lifted the cordon: it is no longer Drover's to lift. */
  NodeHealth manualCordon() {
    return autoCordoned ? new NodeHealth(gpus, nodeStatus, nodeConditions, false, autoCordons, lastTransitionAt, history) : this;
  }

  private List<Transition> append(Transition t) {
    List<Transition> h = new ArrayList<>(history.size() + 1);
    int from = Math.max(0, history.size() + 1 - HISTORY);
    h.addAll(history.subList(from, history.size()));
    h.add(t);
    return h;
  }
}
