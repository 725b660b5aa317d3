package dev.drover.coordinator.node;

import dev.drover.coordinator.HealthSettings;
import dev.drover.protocol.agent.AgentMessage;
import dev.drover.protocol.agent.GpuDevice;
import dev.drover.protocol.agent.GpuHealth;
import dev.drover.protocol.agent.HealthCondition;
import dev.drover.protocol.agent.HealthStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * What a node's health means for the cluster, as pure functions of the node's state: which
 * transitions an agent's report makes, when the node is cordoned and uncordoned automatically, and
 * which GPUs placement must avoid. {@link NodeEntity} persists what these return.
 */
final class HealthDecisions {
  static final String AUTO_CORDON_BY = "drover";

  private HealthDecisions() {}

  /**
   * The events an agent's health report causes: one per GPU or node whose status changed, then an
   * automatic cordon when those changes leave the node faulty. A report that changes nothing (the
   * agent repeats its picture every few telemetry intervals) causes nothing, so an operator who
   * uncordoned a faulty node is not overruled until the next change.
   */
  static List<NodeEntity.Event> onReport(NodeEntity.State s, AgentMessage.Health report, Instant now, HealthSettings settings) {
    List<NodeEntity.Event> events = new ArrayList<>();
    if (!s.registered() || report == null) return events;
    Map<Integer, GpuDevice> inventory = new HashMap<>();
    for (GpuDevice g : s.inventory().gpus()) inventory.put(g.index(), g);
    NodeHealth h = s.health();
    for (GpuHealth g : report.gpus()) {
      GpuDevice device = inventory.get(g.index());
      // A report about a card this inventory does not hold (or no longer holds) must not mark another one.
      if (device == null || g.uuid() != null && !g.uuid().equals(device.uuid())) continue;
      HealthStatus from = h.gpu(g.index());
      HealthStatus to = g.status();
      if (to == from) continue;
      events.add(new NodeEntity.GpuHealthChanged(s.name(), g.index(), device.uuid(), from.name(), to.name(),
          NodeHealth.Condition.of(g.conditions()), gpuReason(g.index(), to, g.conditions(), h.gpus().get(g.index())), now));
    }
    HealthStatus nodeTo = HealthStatus.HEALTHY;
    for (HealthCondition c : report.node()) nodeTo = nodeTo.worst(c.status());
    if (nodeTo != h.node()) {
      events.add(new NodeEntity.NodeHealthChanged(s.name(), h.node().name(), nodeTo.name(),
          NodeHealth.Condition.of(report.node()), nodeTo == HealthStatus.HEALTHY ? "node fault cleared" : reasons(report.node()), now));
    }
    if (events.isEmpty()) return events;
    NodeEntity.State after = s;
    for (NodeEntity.Event e : events) after = after.apply(e);
    String fault = faultReason(after, settings);
    if (fault != null && !after.cordoned() && !after.draining()) {
      events.add(new NodeEntity.NodeCordonedAutomatically(s.name(), fault, now));
    }
    return events;
  }

  /**
   * Why the node should be cordoned: a node-level fault, or more than the configured fraction of its
   * GPUs unhealthy; null when neither holds.
   */
  static String faultReason(NodeEntity.State s, HealthSettings settings) {
    NodeHealth h = s.health();
    if (h.node() == HealthStatus.UNHEALTHY) {
      return "node fault: " + h.nodeConditions().stream().map(NodeHealth.Condition::reason).collect(Collectors.joining("; "));
    }
    int total = s.inventory() == null ? 0 : s.inventory().gpus().size();
    if (total == 0) return null;
    List<Integer> unhealthy = new ArrayList<>();
    for (GpuDevice g : s.inventory().gpus()) if (h.gpu(g.index()) == HealthStatus.UNHEALTHY) unhealthy.add(g.index());
    if (unhealthy.size() <= settings.autoCordonFraction() * total) return null;
    return unhealthy.size() + " of " + total + " GPUs unhealthy ("
        + unhealthy.stream().map(i -> "GPU " + i + ": " + conditionText(h.gpus().get(i))).collect(Collectors.joining("; ")) + ")";
  }

  /**
   * The automatic uncordon of a node whose fault is gone and has stayed gone for the hold, which
   * doubles with every automatic cordon within the flap window; null when not due.
   */
  static NodeEntity.NodeUncordonedAutomatically uncordonDue(NodeEntity.State s, Instant now, HealthSettings settings) {
    NodeHealth h = s.health();
    if (!h.autoCordoned() || !s.cordoned() || s.draining() || faultReason(s, settings) != null) return null;
    Duration hold = hold(h, settings);
    Instant since = h.lastTransitionAt();
    if (since != null && now.isBefore(since.plus(hold))) return null;
    return new NodeEntity.NodeUncordonedAutomatically(s.name(),
        "no fault for " + human(since == null ? hold : Duration.between(since, now)) + " (hold " + human(hold) + ")", now);
  }

  /** The uncordon hold now in force: base hold, doubled for each earlier automatic cordon in the flap window. */
  static Duration hold(NodeHealth h, HealthSettings settings) {
    if (h.autoCordons().isEmpty()) return settings.autoUncordonHold();
    Instant last = h.autoCordons().get(h.autoCordons().size() - 1);
    Instant windowStart = last.minus(settings.flapWindow());
    int recent = (int) h.autoCordons().stream().filter(t -> !t.isBefore(windowStart)).count();
    return settings.holdAfter(recent);
  }

  /** GPUs placement must avoid: unhealthy, or healthy again for less than the recovery hold. */
  static Set<Integer> unusableGpus(NodeEntity.State s, Instant now, HealthSettings settings) {
    Set<Integer> out = new TreeSet<>();
    s.health().gpus().forEach((i, r) -> {
      if (r.health() == HealthStatus.UNHEALTHY) out.add(i);
      else if (r.recoveredAt() != null && now.isBefore(r.recoveredAt().plus(settings.gpuRecoveryHold()))) out.add(i);
    });
    return out;
  }

  /** The reason a replica on an unhealthy GPU is stopped, for the job's timeline. */
  static String replicaStopReason(NodeEntity.State s, int gpu) {
    NodeHealth.GpuRecord r = s.health().gpus().get(gpu);
    return "GPU " + gpu + (r == null || r.uuid() == null ? "" : " (" + r.uuid() + ")") + " on node " + s.name()
        + " became Unhealthy: " + conditionText(r);
  }

  private static String gpuReason(int index, HealthStatus to, List<HealthCondition> conditions, NodeHealth.GpuRecord before) {
    if (to == HealthStatus.HEALTHY) {
      return before == null || before.conditions().isEmpty()
          ? "GPU " + index + " healthy"
          : "GPU " + index + " healthy again (was: " + conditionText(before) + ")";
    }
    return reasons(conditions);
  }

  private static String reasons(List<HealthCondition> conditions) {
    return conditions.isEmpty() ? "no reason given" : conditions.stream().map(HealthCondition::reason).collect(Collectors.joining("; "));
  }

  static String conditionText(NodeHealth.GpuRecord r) {
    if (r == null || r.conditions().isEmpty()) return "no reason given";
    return r.conditions().stream().map(NodeHealth.Condition::reason).collect(Collectors.joining("; "));
  }

  static String human(Duration d) {
    long s = d.toSeconds();
    if (s < 120) return s + "s";
    if (s < 7200) return (s / 60) + "m";
    return (s / 3600) + "h";
  }
}
