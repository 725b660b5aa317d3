package dev.drover.coordinator.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drover.coordinator.HealthSettings;
import dev.drover.protocol.agent.AgentMessage;
import dev.drover.protocol.agent.GpuDevice;
import dev.drover.protocol.agent.GpuHealth;
import dev.drover.protocol.agent.HealthCondition;
import dev.drover.protocol.agent.HealthStatus;
import dev.drover.protocol.agent.NodeInventory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The health decisions as pure functions of a node's state, with explicit times. */
class HealthDecisionsTest {
  private static final HealthSettings SETTINGS =
      new HealthSettings(Duration.ofSeconds(60), 0.5, Duration.ofMinutes(5), Duration.ofMinutes(40), Duration.ofHours(1), 10);
  private static final Instant T0 = Instant.parse("2026-12-03T10:00:00Z");

  private static NodeEntity.State node(int gpus) {
    List<GpuDevice> devices = new ArrayList<>();
    for (int i = 0; i < gpus; i++) devices.add(new GpuDevice(i, "GPU-" + i, "H100", 80L << 30, "0:" + i));
    NodeInventory inv = new NodeInventory("simulated", "simulated", devices, 16, 64L << 30, Map.of(), 29500, 29599);
    NodeEntity.State s = NodeEntity.State.empty("n1");
    s = s.apply(new NodeEntity.NodeRegistered("n1", "10.0.0.1", "0.1.0", inv, T0));
    return s.apply(new NodeEntity.NodeBecameReady("n1", T0));
  }

  private static HealthCondition xid(int xid, HealthStatus status) {
    return new HealthCondition("XID", status, "XID " + xid + ": test fault", T0, xid);
  }

  /** A report where the given GPUs have the given conditions and every other GPU is healthy. */
  private static AgentMessage.Health report(int gpus, Map<Integer, List<HealthCondition>> faults, List<HealthCondition> node) {
    List<GpuHealth> out = new ArrayList<>();
    for (int i = 0; i < gpus; i++) out.add(new GpuHealth(i, "GPU-" + i, null, faults.getOrDefault(i, List.of())));
    return new AgentMessage.Health(T0, out, node);
  }

  private static Map<Integer, List<HealthCondition>> fallenOff(int... gpus) {
    Map<Integer, List<HealthCondition>> m = new java.util.HashMap<>();
    for (int g : gpus) m.put(g, List.of(xid(79, HealthStatus.UNHEALTHY)));
    return m;
  }

  private static NodeEntity.State applyAll(NodeEntity.State s, List<NodeEntity.Event> events) {
    for (NodeEntity.Event e : events) s = s.apply(e);
    return s;
  }

  @Test
  void onlyTransitionsAreJournaled() {
    NodeEntity.State s = node(8);
    List<NodeEntity.Event> events = HealthDecisions.onReport(s, report(8, Map.of(3, List.of(xid(79, HealthStatus.UNHEALTHY))), List.of()), T0, SETTINGS);
    assertEquals(1, events.size(), events.toString());
    NodeEntity.GpuHealthChanged e = assertInstanceOf(NodeEntity.GpuHealthChanged.class, events.get(0));
    assertEquals(3, e.gpu());
    assertEquals("HEALTHY", e.from());
    assertEquals("UNHEALTHY", e.to());
    assertTrue(e.reason().contains("XID 79"), e.reason());
    s = applyAll(s, events);
    assertEquals(List.of(3), s.health().unhealthyGpus());
    assertFalse(s.cordoned(), "one GPU of eight does not cordon the node");
    // the agent repeating the same picture journals nothing
    assertTrue(HealthDecisions.onReport(s, report(8, Map.of(3, List.of(xid(79, HealthStatus.UNHEALTHY))), List.of()), T0.plusSeconds(30), SETTINGS).isEmpty());
  }

  @Test
  void aReportForAnotherCardIsIgnored() {
    NodeEntity.State s = node(2);
    AgentMessage.Health wrongUuid = new AgentMessage.Health(T0,
        List.of(new GpuHealth(1, "GPU-someone-else", null, List.of(xid(79, HealthStatus.UNHEALTHY))), new GpuHealth(7, "GPU-7", null,
            List.of(xid(79, HealthStatus.UNHEALTHY)))), List.of());
    assertTrue(HealthDecisions.onReport(s, wrongUuid, T0, SETTINGS).isEmpty());
  }

  @Test
  void unhealthyGpusAreUnusableAndStayUnusableForTheRecoveryHold() {
    NodeEntity.State s = node(4);
    s = applyAll(s, HealthDecisions.onReport(s, report(4, Map.of(1, List.of(xid(48, HealthStatus.UNHEALTHY))), List.of()), T0, SETTINGS));
    assertEquals(Set.of(1), HealthDecisions.unusableGpus(s, T0, SETTINGS));
    Instant healed = T0.plusSeconds(100);
    s = applyAll(s, HealthDecisions.onReport(s, report(4, Map.of(), List.of()), healed, SETTINGS));
    assertEquals(HealthStatus.HEALTHY, s.health().gpu(1));
    assertEquals(Set.of(1), HealthDecisions.unusableGpus(s, healed.plusSeconds(59), SETTINGS), "flap damping: still held");
    assertEquals(Set.of(), HealthDecisions.unusableGpus(s, healed.plusSeconds(60), SETTINGS));
    // a degraded GPU stays usable
    s = applyAll(s, HealthDecisions.onReport(s, report(4, Map.of(2, List.of(xid(92, HealthStatus.DEGRADED))), List.of()), healed.plusSeconds(61), SETTINGS));
    assertEquals(HealthStatus.DEGRADED, s.health().gpu(2));
    assertEquals(Set.of(), HealthDecisions.unusableGpus(s, healed.plusSeconds(61), SETTINGS));
  }

  @Test
  void mostlyUnhealthyNodeIsCordonedAutomaticallyAndUncordonedAfterTheHold() {
    NodeEntity.State s = node(8);
    // four of eight is not "mostly"
    s = applyAll(s, HealthDecisions.onReport(s, report(8, fallenOff(0, 1, 2, 3), List.of()), T0, SETTINGS));
    assertFalse(s.cordoned());
    Map<Integer, List<HealthCondition>> five = fallenOff(0, 1, 2, 3, 4);
    List<NodeEntity.Event> events = HealthDecisions.onReport(s, report(8, five, List.of()), T0.plusSeconds(1), SETTINGS);
    NodeEntity.NodeCordonedAutomatically cordon = assertInstanceOf(NodeEntity.NodeCordonedAutomatically.class, events.get(events.size() - 1));
    assertTrue(cordon.reason().startsWith("5 of 8 GPUs unhealthy"), cordon.reason());
    s = applyAll(s, events);
    assertTrue(s.cordoned());
    assertTrue(s.health().autoCordoned());
    assertEquals("drover", s.cordonedBy());
    // still faulty: never uncordoned
    assertNull(HealthDecisions.uncordonDue(s, T0.plus(Duration.ofHours(2)), SETTINGS));
    // the fault clears; the hold counts from then
    Instant cleared = T0.plusSeconds(600);
    s = applyAll(s, HealthDecisions.onReport(s, report(8, Map.of(), List.of()), cleared, SETTINGS));
    assertTrue(s.cordoned());
    assertNull(HealthDecisions.uncordonDue(s, cleared.plus(Duration.ofMinutes(5)).minusSeconds(1), SETTINGS));
    NodeEntity.NodeUncordonedAutomatically up = HealthDecisions.uncordonDue(s, cleared.plus(Duration.ofMinutes(5)), SETTINGS);
    assertNotNull(up);
    s = s.apply(up);
    assertFalse(s.cordoned());
    assertFalse(s.health().autoCordoned());
    assertEquals(List.of("GPU_HEALTH", "AUTO_CORDON", "AUTO_UNCORDON"),
        s.health().history().stream().map(NodeHealth.Transition::kind).distinct().toList());
  }

  @Test
  void aFlappingNodeWaitsLongerEachTime() {
    HealthSettings day = new HealthSettings(Duration.ofSeconds(60), 0.5, Duration.ofMinutes(5), Duration.ofMinutes(40), Duration.ofDays(1), 10);
    NodeEntity.State s = node(1);
    Instant t = T0;
    List<Duration> holds = new ArrayList<>();
    for (int round = 0; round < 5; round++) {
      s = applyAll(s, HealthDecisions.onReport(s, report(1, Map.of(0, List.of(xid(79, HealthStatus.UNHEALTHY))), List.of()), t, day));
      assertTrue(s.cordoned(), "round " + round);
      t = t.plusSeconds(10);
      s = applyAll(s, HealthDecisions.onReport(s, report(1, Map.of(), List.of()), t, day));
      holds.add(HealthDecisions.hold(s.health(), day));
      t = t.plus(holds.get(round));
      s = s.apply(HealthDecisions.uncordonDue(s, t, day));
      t = t.plusSeconds(10);
    }
    assertEquals(List.of(Duration.ofMinutes(5), Duration.ofMinutes(10), Duration.ofMinutes(20), Duration.ofMinutes(40), Duration.ofMinutes(40)), holds);
    // a day later the earlier cordons have left the flap window: back to the base hold
    t = t.plus(Duration.ofDays(2));
    s = applyAll(s, HealthDecisions.onReport(s, report(1, Map.of(0, List.of(xid(79, HealthStatus.UNHEALTHY))), List.of()), t, day));
    assertEquals(Duration.ofMinutes(5), HealthDecisions.hold(s.health(), day));
  }

  @Test
  void anOperatorsCordonIsNeverLiftedAutomatically() {
    NodeEntity.State s = node(1);
    s = s.apply(new NodeEntity.NodeCordoned("n1", "ops", "bad fan", T0));
    List<NodeEntity.Event> events = HealthDecisions.onReport(s, report(1, Map.of(0, List.of(xid(79, HealthStatus.UNHEALTHY))), List.of()), T0, SETTINGS);
    assertTrue(events.stream().noneMatch(e -> e instanceof NodeEntity.NodeCordonedAutomatically), "already cordoned by an operator");
    s = applyAll(s, events);
    s = applyAll(s, HealthDecisions.onReport(s, report(1, Map.of(), List.of()), T0.plusSeconds(5), SETTINGS));
    assertNull(HealthDecisions.uncordonDue(s, T0.plus(Duration.ofDays(1)), SETTINGS));
    assertEquals("ops", s.cordonedBy());

    // an automatic cordon that an operator re-cordons becomes the operator's
    NodeEntity.State auto = node(1);
    auto = applyAll(auto, HealthDecisions.onReport(auto, report(1, Map.of(0, List.of(xid(79, HealthStatus.UNHEALTHY))), List.of()), T0, SETTINGS));
    assertTrue(auto.health().autoCordoned());
    auto = auto.apply(new NodeEntity.NodeCordoned("n1", "ops", "keep it out until the RMA", T0.plusSeconds(1)));
    auto = applyAll(auto, HealthDecisions.onReport(auto, report(1, Map.of(), List.of()), T0.plusSeconds(2), SETTINGS));
    assertNull(HealthDecisions.uncordonDue(auto, T0.plus(Duration.ofDays(1)), SETTINGS));
  }

  @Test
  void aNodeLevelFaultCordonsTheNode() {
    NodeEntity.State s = node(8);
    HealthCondition nvml = new HealthCondition("NVML_FAILURE", HealthStatus.UNHEALTHY, "nvmlDeviceGetCount_v2 failed: Driver Not Loaded", T0, null);
    List<NodeEntity.Event> events = HealthDecisions.onReport(s, report(8, Map.of(), List.of(nvml)), T0, SETTINGS);
    assertInstanceOf(NodeEntity.NodeHealthChanged.class, events.get(0));
    NodeEntity.NodeCordonedAutomatically c = assertInstanceOf(NodeEntity.NodeCordonedAutomatically.class, events.get(1));
    assertTrue(c.reason().contains("Driver Not Loaded"), c.reason());
  }
}
