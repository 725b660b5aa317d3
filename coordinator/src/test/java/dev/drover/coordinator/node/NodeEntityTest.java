package dev.drover.coordinator.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drover.coordinator.Peers;
import dev.drover.coordinator.ProbePeers;
import dev.drover.coordinator.TestSettings;
import dev.drover.coordinator.agentgateway.AgentSession;
import dev.drover.coordinator.job.JobEntity;
import dev.drover.coordinator.scheduling.SchedulerSingleton;
import dev.drover.protocol.ProtocolVersion;
import dev.drover.protocol.agent.AgentMessage;
import dev.drover.protocol.agent.CoordinatorMessage;
import dev.drover.protocol.agent.DesiredPhase;
import dev.drover.protocol.agent.GpuDevice;
import dev.drover.protocol.agent.NodeInventory;
import dev.drover.protocol.agent.ReplicaAssignment;
import dev.drover.protocol.agent.ReplicaPhase;
import dev.drover.protocol.agent.ReplicaStatus;
import dev.drover.protocol.agent.Termination;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NodeEntityTest {
  private static final ActorTestKit testKit = ActorTestKit.create(ProbePeers.testKitConfig());

  private TestProbe<SchedulerSingleton.Command> scheduler;
  private TestProbe<JobEntity.Command> jobs;
  private TestProbe<AgentSession.Command> session;
  private EventSourcedBehaviorTestKit<NodeEntity.Command, NodeEntity.Event, NodeEntity.State> kit;

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void setUp() {
    scheduler = testKit.createTestProbe();
    jobs = testKit.createTestProbe();
    session = testKit.createTestProbe();
    Peers peers = new ProbePeers(scheduler, jobs, testKit.createTestProbe());
    kit = EventSourcedBehaviorTestKit.create(testKit.system(), NodeEntity.create("n1", TestSettings.fast(), peers));
  }

  private static AgentMessage.Hello hello(List<ReplicaStatus> replicas) {
    List<GpuDevice> gpus = List.of(new GpuDevice(0, "GPU-0", "H100", 80L << 30, "0:1"), new GpuDevice(1, "GPU-1", "H100", 80L << 30, "0:2"));
    return new AgentMessage.Hello(ProtocolVersion.AGENT_PROTOCOL, "n1", "0.1.0", "10.0.0.1",
        new NodeInventory("simulated", "simulated", gpus, 16, 64L << 30, Map.of("rack", "r1"), 29500, 29599), replicas);
  }

  private static ReplicaAssignment assignment(String id) {
    return new ReplicaAssignment(id, "j-1", "train", 1, 0, 0, 1, 0, 1, 1, List.of(0), List.of("GPU-0"), "10.0.0.1", 29500,
        List.of("sleep", "60"), List.of(), Map.of(), null, 0, 1000, DesiredPhase.RUN);
  }

  private void connect(List<ReplicaStatus> replicas) {
    var r = kit.runCommand(new NodeEntity.AgentConnected(session.ref(), hello(replicas)));
    assertTrue(r.events().stream().anyMatch(e -> e instanceof NodeEntity.NodeRegistered));
    assertInstanceOf(CoordinatorMessage.Welcome.class, session.expectMessageClass(AgentSession.Send.class).message());
    assertInstanceOf(CoordinatorMessage.DesiredState.class, session.expectMessageClass(AgentSession.Send.class).message());
  }

  @Test
  void registersPublishesAndPushesDesiredState() {
    connect(List.of());
    SchedulerSingleton.NodeUpdated u = scheduler.expectMessageClass(SchedulerSingleton.NodeUpdated.class);
    assertEquals(2, u.node().gpus().size());
    assertTrue(u.node().ready());
    var assign = kit.<Done>runCommand(reply -> new NodeEntity.Assign(List.of(assignment("a1")), reply));
    assertEquals(Done.getInstance(), assign.reply());
    var desired = (CoordinatorMessage.DesiredState) session.expectMessageClass(AgentSession.Send.class).message();
    assertEquals(List.of("a1"), desired.replicas().stream().map(ReplicaAssignment::allocationId).toList());
    // assigning again is a no-op
    assertTrue(kit.<Done>runCommand(reply -> new NodeEntity.Assign(List.of(assignment("a1")), reply)).events().isEmpty());
  }

  @Test
  void stopMarksDesiredStopAndReleaseForgets() {
    connect(List.of());
    kit.<Done>runCommand(reply -> new NodeEntity.Assign(List.of(assignment("a1")), reply));
    session.expectMessageClass(AgentSession.Send.class);
    kit.<Done>runCommand(reply -> new NodeEntity.Stop(List.of("a1"), "cancelled", reply));
    var desired = (CoordinatorMessage.DesiredState) session.expectMessageClass(AgentSession.Send.class).message();
    assertEquals(DesiredPhase.STOP, desired.replicas().get(0).desired());
    kit.<Done>runCommand(reply -> new NodeEntity.Release(List.of("a1"), reply));
    desired = (CoordinatorMessage.DesiredState) session.expectMessageClass(AgentSession.Send.class).message();
    assertTrue(desired.replicas().isEmpty());
  }

  @Test
  void replicaReportsAreForwardedToTheirJob() {
    connect(List.of());
    kit.<Done>runCommand(reply -> new NodeEntity.Assign(List.of(assignment("a1")), reply));
    ReplicaStatus running = new ReplicaStatus("a1", "j-1", 1, 0, ReplicaPhase.RUNNING, 42L, null, null, null, Instant.now(), null);
    kit.runCommand(new NodeEntity.FromAgent(session.ref(), new AgentMessage.ReplicaUpdate(running)));
    JobEntity.ReplicaReport report = jobs.expectMessageClass(JobEntity.ReplicaReport.class);
    assertEquals(running, report.status());
    report.replyTo().tell(Done.getInstance());
    // a report for an allocation this node does not hold is ignored
    ReplicaStatus stranger = new ReplicaStatus("zz", "j-9", 1, 0, ReplicaPhase.RUNNING, 1L, null, null, null, Instant.now(), null);
    kit.runCommand(new NodeEntity.FromAgent(session.ref(), new AgentMessage.ReplicaUpdate(stranger)));
    jobs.expectNoMessage(Duration.ofMillis(200));
  }

  @Test
  void silentNodeBecomesNotReadyAndItsReplicasAreLost() {
    connect(List.of());
    kit.<Done>runCommand(reply -> new NodeEntity.Assign(List.of(assignment("a1")), reply));
    // node-timeout is 3s in the test settings; the entity ticks every second
    JobEntity.ReplicaReport lost = jobs.expectMessageClass(JobEntity.ReplicaReport.class, Duration.ofSeconds(8));
    assertEquals(Termination.LOST, lost.status().termination());
    assertEquals(ReplicaPhase.EXITED, lost.status().phase());
    assertFalse(kit.getState().ready());
    // the agent coming back makes the node Ready again
    kit.runCommand(new NodeEntity.AgentConnected(session.ref(), hello(List.of())));
    assertTrue(kit.getState().ready());
  }

  @Test
  void aSecondAgentWithTheSameNameIsRefusedWhileTheFirstIsAlive() {
    connect(List.of());
    TestProbe<AgentSession.Command> impostor = testKit.createTestProbe();
    kit.runCommand(new NodeEntity.AgentConnected(impostor.ref(), hello(List.of())));
    AgentSession.Close close = impostor.expectMessageClass(AgentSession.Close.class);
    assertTrue(close.reason().contains("already connected"), close.reason());
    session.expectNoMessage(Duration.ofMillis(200));
  }

  @Test
  void theSameAgentOnANewConnectionTakesOverAtOnce() {
    kit.runCommand(new NodeEntity.AgentConnected(session.ref(), hello(List.of()), "agent-process-1"));
    session.expectMessageClass(AgentSession.Send.class);
    // a second agent (another process) with the same name is refused while the first is alive ...
    TestProbe<AgentSession.Command> impostor = testKit.createTestProbe();
    kit.runCommand(new NodeEntity.AgentConnected(impostor.ref(), hello(List.of()), "agent-process-2"));
    assertTrue(impostor.expectMessageClass(AgentSession.Close.class).reason().contains("already connected"));
    // ... but the first one's new connection, before its old one is seen closing, replaces it
    TestProbe<AgentSession.Command> reconnect = testKit.createTestProbe();
    kit.runCommand(new NodeEntity.AgentConnected(reconnect.ref(), hello(List.of()), "agent-process-1"));
    AgentSession.Send welcome = reconnect.expectMessageClass(AgentSession.Send.class);
    assertTrue(welcome.message() instanceof CoordinatorMessage.Welcome, welcome.toString());
    assertTrue(session.fishForMessage(Duration.ofSeconds(3), m -> m instanceof AgentSession.Close close
            && close.reason().contains("superseded")
            ? org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.complete()
            : org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.continueAndIgnore()).size() >= 1);
    assertTrue(kit.getState().ready());
  }

  @Test
  void cordonAndUncordonAreJournaledAndNeverForgotten() {
    connect(List.of());
    var r = kit.<NodeEntity.Result>runCommand(reply -> new NodeEntity.Cordon("ops", "bad fan", reply));
    assertTrue(r.reply().view().state().cordoned());
    assertFalse(kit.restart().state().schedulable());
    var u = kit.<NodeEntity.Result>runCommand(reply -> new NodeEntity.Uncordon("ops", reply));
    assertFalse(u.reply().view().state().cordoned());
  }

  @Test
  void drainEvictsRunningReplicas() {
    connect(List.of());
    kit.<Done>runCommand(reply -> new NodeEntity.Assign(List.of(assignment("a1")), reply));
    kit.<NodeEntity.Result>runCommand(reply -> new NodeEntity.Drain("ops", "kernel upgrade", reply));
    JobEntity.Evict evict = jobs.expectMessageClass(JobEntity.Evict.class);
    assertEquals("a1", evict.allocationId());
    assertTrue(evict.reason().contains("kernel upgrade"));
  }

  @Test
  void anUnhealthyGpuIsExcludedAndTheReplicaOnItIsStopped() {
    connect(List.of());
    kit.<Done>runCommand(reply -> new NodeEntity.Assign(List.of(assignment("a1")), reply));
    session.expectMessageClass(AgentSession.Send.class);
    scheduler.receiveSeveralMessages(1);
    AgentMessage.Health report = new AgentMessage.Health(Instant.now(), List.of(
        new dev.drover.protocol.agent.GpuHealth(0, "GPU-0", null, List.of(new dev.drover.protocol.agent.HealthCondition("XID",
            dev.drover.protocol.agent.HealthStatus.UNHEALTHY, "XID 79: GPU has fallen off the bus", Instant.now(), 79))),
        new dev.drover.protocol.agent.GpuHealth(1, "GPU-1", null, List.of())), List.of());
    var r = kit.runCommand(new NodeEntity.FromAgent(session.ref(), report));
    assertInstanceOf(NodeEntity.GpuHealthChanged.class, r.events().get(0));
    // 1 of 2 is not "mostly": no automatic cordon
    assertEquals(1, r.events().size(), r.events().toString());
    SchedulerSingleton.NodeUpdated u = scheduler.fishForMessage(Duration.ofSeconds(3),
        m -> m instanceof SchedulerSingleton.NodeUpdated n && n.node().unusableGpus().contains(0)
            ? org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.complete()
            : org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.continueAndIgnore()).stream()
        .map(SchedulerSingleton.NodeUpdated.class::cast).reduce((a, b) -> b).orElseThrow();
    assertEquals(java.util.Set.of(0), u.node().unusableGpus());
    JobEntity.GpuFailed failed = jobs.expectMessageClass(JobEntity.GpuFailed.class);
    assertEquals("a1", failed.allocationId());
    assertTrue(failed.reason().contains("GPU 0 (GPU-0) on node n1 became Unhealthy: XID 79"), failed.reason());
    failed.replyTo().tell(Done.getInstance());
    // acknowledged: not asked again
    jobs.expectNoMessage(Duration.ofMillis(2500));
    // the same report again journals nothing
    assertTrue(kit.runCommand(new NodeEntity.FromAgent(session.ref(), report)).events().isEmpty());
    var gpus = kit.<NodeEntity.GpuReport>runCommand(NodeEntity.GetGpus::new).reply();
    assertEquals(report, gpus.live());
    assertEquals("UNHEALTHY", gpus.state().health().gpus().get(0).status());
  }
}
