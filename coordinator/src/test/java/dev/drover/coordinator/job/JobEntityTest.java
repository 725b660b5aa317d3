package dev.drover.coordinator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drover.coordinator.Peers;
import dev.drover.coordinator.ProbePeers;
import dev.drover.coordinator.TestSettings;
import dev.drover.coordinator.node.NodeEntity;
import dev.drover.coordinator.scheduling.SchedulerSingleton;
import dev.drover.protocol.agent.ReplicaPhase;
import dev.drover.protocol.agent.ReplicaStatus;
import dev.drover.protocol.agent.Termination;
import dev.drover.protocol.api.JobState;
import dev.drover.protocol.spec.JobSpec;
import dev.drover.protocol.spec.JobSpecs;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJunitResource;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class JobEntityTest {
  private static final ActorTestKit testKit = ActorTestKit.create(ProbePeers.testKitConfig());

  private TestProbe<SchedulerSingleton.Command> scheduler;
  private TestProbe<NodeEntity.Command> nodes;
  private TestProbe<ClusterSharding.ShardCommand> shard;
  private EventSourcedBehaviorTestKit<JobEntity.Command, JobEntity.Event, JobEntity.State> kit;

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void setUp() {
    scheduler = testKit.createTestProbe();
    nodes = testKit.createTestProbe();
    shard = testKit.createTestProbe();
    Peers peers = new ProbePeers(scheduler, testKit.createTestProbe(), nodes);
    kit = EventSourcedBehaviorTestKit.create(testKit.system(),
        JobEntity.create("j-0000000000000001", shard.ref(), TestSettings.fast(), peers));
  }

  private static JobSpec spec(int replicas, int maxRestarts) {
    String yaml = "name: train\nreplicas: " + replicas + "\nresources: {gpus: 2}\ncommand: [python, train.py]\n"
        + "restartPolicy: {maxRestarts: " + maxRestarts + ", backoff: 0s}\n";
    try {
      return JobSpecs.parseValidated(yaml.getBytes(StandardCharsets.UTF_8), JobSpecs.Format.YAML);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private JobEntity.State submit(JobSpec spec) {
    var r = kit.<JobEntity.Result>runCommand(reply -> new JobEntity.Submit(spec, "alice", "key-1", reply));
    assertInstanceOf(JobEntity.JobSubmitted.class, r.event());
    assertTrue(r.reply().isOk());
    SchedulerSingleton.Enqueue enq = scheduler.expectMessageClass(SchedulerSingleton.Enqueue.class);
    assertEquals(1, enq.job().attempt());
    assertEquals(spec.replicas(), enq.job().replicas());
    enq.replyTo().tell(Done.getInstance());
    return r.state();
  }

  private List<ReplicaSlot> slots(int attempt, int replicas) {
    return java.util.stream.IntStream.range(0, replicas)
        .mapToObj(rank -> new ReplicaSlot(rank, ReplicaSlot.allocationId("j-0000000000000001", attempt, rank), "n" + rank,
            "10.0.0." + rank, List.of(0, 1), List.of("GPU-a", "GPU-b"), rank, 0, 1))
        .toList();
  }

  private void place(int attempt, int replicas) {
    TestProbe<SchedulerSingleton.Command> answers = testKit.createTestProbe();
    kit.runCommand(new JobEntity.Place(attempt, slots(attempt, replicas), "10.0.0.0", 29500, replicas, answers.ref()));
    SchedulerSingleton.PlacementAnswer a = answers.expectMessageClass(SchedulerSingleton.PlacementAnswer.class);
    assertTrue(a.accepted());
    for (int i = 0; i < replicas; i++) {
      NodeEntity.Assign assign = nodes.expectMessageClass(NodeEntity.Assign.class);
      assertEquals(1, assign.replicas().size());
      assign.replyTo().tell(Done.getInstance());
    }
  }

  /**
   * The next message of the given kind sent to a node. Assigns that arrive first are redeliveries (the
   * entity re-offers until it has processed the ack, which under load can take longer than the
   * redelivery interval).
   */
  private <T extends NodeEntity.Command> T expectNode(Class<T> kind) {
    List<NodeEntity.Command> got = nodes.fishForMessage(Duration.ofSeconds(5), m -> kind.isInstance(m)
        ? FishingOutcomes.complete()
        : m instanceof NodeEntity.Assign ? FishingOutcomes.continueAndIgnore() : FishingOutcomes.fail("unexpected " + m));
    return kind.cast(got.get(got.size() - 1));
  }

  private static ReplicaStatus status(int attempt, int rank, ReplicaPhase phase, Integer exit, Termination t) {
    return new ReplicaStatus(ReplicaSlot.allocationId("j-0000000000000001", attempt, rank), "j-0000000000000001", attempt, rank,
        phase, 100L + rank, exit, t, null, Instant.now(), phase == ReplicaPhase.EXITED ? Instant.now() : null);
  }

  private JobEntity.State report(String node, ReplicaStatus st) {
    var r = kit.<Done>runCommand(reply -> new JobEntity.ReplicaReport(node, st, reply));
    assertEquals(Done.getInstance(), r.reply());
    return r.state();
  }

  @Test
  void gangRunsToSuccessAndReleasesItsGpus() {
    submit(spec(2, 0));
    place(1, 2);
    assertEquals(JobState.STARTING, kit.getState().phase());
    report("n0", status(1, 0, ReplicaPhase.RUNNING, null, null));
    assertEquals(JobState.STARTING, kit.getState().phase(), "a gang is running only when every replica runs");
    JobEntity.State s = report("n1", status(1, 1, ReplicaPhase.RUNNING, null, null));
    assertEquals(JobState.RUNNING, s.phase());
    report("n0", status(1, 0, ReplicaPhase.EXITED, 0, Termination.COMPLETED));
    s = report("n1", status(1, 1, ReplicaPhase.EXITED, 0, Termination.COMPLETED));
    assertEquals(JobState.SUCCEEDED, s.phase());
    assertTrue(s.release() != null && s.release().attempt() == 1);
    SchedulerSingleton.Release rel = scheduler.expectMessageClass(SchedulerSingleton.Release.class);
    assertEquals(1, rel.attempt());
    rel.replyTo().tell(Done.getInstance());
    for (int i = 0; i < 2; i++) expectNode(NodeEntity.Release.class).replyTo().tell(Done.getInstance());
    // once everyone acknowledged, the attempt is released in the journal
    scheduler.awaitAssert(() -> {
      assertTrue(kit.getState().release() == null);
      return null;
    });
  }

  @Test
  void failedReplicaStopsTheGangAndRestartsItAsAWhole() {
    submit(spec(2, 1));
    place(1, 2);
    report("n0", status(1, 0, ReplicaPhase.RUNNING, null, null));
    report("n1", status(1, 1, ReplicaPhase.RUNNING, null, null));
    var r = kit.<Done>runCommand(reply -> new JobEntity.ReplicaReport("n1", status(1, 1, ReplicaPhase.EXITED, 3, Termination.COMPLETED), reply));
    assertEquals(2, r.events().size());
    assertInstanceOf(JobEntity.GangStopping.class, r.events().get(1));
    NodeEntity.Stop stop = expectNode(NodeEntity.Stop.class);
    assertEquals(List.of(ReplicaSlot.allocationId("j-0000000000000001", 1, 0)), stop.allocationIds());
    stop.replyTo().tell(Done.getInstance());
    JobEntity.State s = report("n0", status(1, 0, ReplicaPhase.EXITED, 143, Termination.STOPPED));
    assertEquals(JobState.PENDING, s.phase());
    assertEquals(2, s.attempt());
    assertEquals(1, s.restarts());
    assertTrue(s.message().contains("replica 1 on n1 exited with code 3"), s.message());
  }

  @Test
  void exhaustedRestartsFailTheJobWithTheReason() {
    submit(spec(1, 0));
    place(1, 1);
    JobEntity.State s = report("n0", status(1, 0, ReplicaPhase.EXITED, null, Termination.START_FAILED));
    assertEquals(JobState.FAILED, s.phase());
    assertTrue(s.message().contains("failed to start"), s.message());
  }

  @Test
  void lostReplicaRestartsTheGang() {
    submit(spec(1, 2));
    place(1, 1);
    report("n0", status(1, 0, ReplicaPhase.RUNNING, null, null));
    JobEntity.State s = report("n0", new ReplicaStatus(ReplicaSlot.allocationId("j-0000000000000001", 1, 0), "j-0000000000000001",
        1, 0, ReplicaPhase.EXITED, null, null, Termination.LOST, "node n0 not ready", null, Instant.now()));
    assertEquals(JobState.PENDING, s.phase());
    assertEquals(2, s.attempt());
  }

  @Test
  void cancelWhilePendingEndsAtOnceAndLeavesTheQueue() {
    submit(spec(1, 0));
    var r = kit.<JobEntity.Result>runCommand(reply -> new JobEntity.Cancel("alice", reply));
    assertEquals(JobState.CANCELLED, r.reply().state().phase());
    SchedulerSingleton.Release rel = scheduler.expectMessageClass(SchedulerSingleton.Release.class);
    assertEquals(1, rel.attempt());
    var again = kit.<JobEntity.Result>runCommand(reply -> new JobEntity.Cancel("alice", reply));
    assertEquals(JobEntity.ErrorCode.CONFLICT, again.reply().error());
    assertTrue(again.events().isEmpty());
  }

  @Test
  void cancelWhileRunningStopsReplicasThenCancels() {
    submit(spec(1, 3));
    place(1, 1);
    report("n0", status(1, 0, ReplicaPhase.RUNNING, null, null));
    var r = kit.<JobEntity.Result>runCommand(reply -> new JobEntity.Cancel("bob", reply));
    assertEquals(JobState.CANCELLING, r.reply().state().phase());
    expectNode(NodeEntity.Stop.class).replyTo().tell(Done.getInstance());
    JobEntity.State s = report("n0", status(1, 0, ReplicaPhase.EXITED, 143, Termination.STOPPED));
    assertEquals(JobState.CANCELLED, s.phase());
    assertEquals(0, s.restarts(), "a cancel is not a restart");
  }

  @Test
  void drainEvictsWithoutCountingARestart() {
    submit(spec(1, 0));
    place(1, 1);
    report("n0", status(1, 0, ReplicaPhase.RUNNING, null, null));
    kit.<Done>runCommand(reply -> new JobEntity.Evict(ReplicaSlot.allocationId("j-0000000000000001", 1, 0), "node n0 is draining", reply));
    expectNode(NodeEntity.Stop.class).replyTo().tell(Done.getInstance());
    JobEntity.State s = report("n0", status(1, 0, ReplicaPhase.EXITED, 143, Termination.STOPPED));
    assertEquals(JobState.PENDING, s.phase());
    assertEquals(2, s.attempt());
    assertEquals(0, s.restarts());
  }

  @Test
  void anUnhealthyGpuStopsTheGangAndRestartsItPerTheRestartPolicy() {
    submit(spec(2, 1));
    place(1, 2);
    report("n0", status(1, 0, ReplicaPhase.RUNNING, null, null));
    report("n1", status(1, 1, ReplicaPhase.RUNNING, null, null));
    String reason = "GPU 1 (GPU-1) on node n1 became Unhealthy: XID 79: GPU has fallen off the bus";
    var r = kit.<Done>runCommand(reply -> new JobEntity.GpuFailed(ReplicaSlot.allocationId("j-0000000000000001", 1, 1), reason, reply));
    JobEntity.GangStopping stopping = assertInstanceOf(JobEntity.GangStopping.class, r.events().get(0));
    assertEquals(reason, stopping.reason());
    // asked again (the node retries until acknowledged): nothing more happens
    assertTrue(kit.<Done>runCommand(reply -> new JobEntity.GpuFailed(ReplicaSlot.allocationId("j-0000000000000001", 1, 1), reason, reply))
        .events().isEmpty());
    for (int i = 0; i < 2; i++) expectNode(NodeEntity.Stop.class).replyTo().tell(Done.getInstance());
    report("n0", status(1, 0, ReplicaPhase.EXITED, 143, Termination.STOPPED));
    JobEntity.State s = report("n1", status(1, 1, ReplicaPhase.EXITED, 143, Termination.STOPPED));
    assertEquals(JobState.PENDING, s.phase());
    assertEquals(2, s.attempt());
    assertEquals(1, s.restarts());
    assertTrue(s.message().startsWith(reason + "; restarting the gang (restart 1 of 1)"), s.message());

  }

  @Test
  void preemptionStopsTheGangAndRequeuesItWithItsSubmitTimeWithoutARestart() {
    JobEntity.State submitted = submit(spec(2, 0));
    place(1, 2);
    report("n0", status(1, 0, ReplicaPhase.RUNNING, null, null));
    report("n1", status(1, 1, ReplicaPhase.RUNNING, null, null));
    var r = kit.<Done>runCommand(reply -> new JobEntity.Preempt(1, "j-high", "preempted by j-high (priority 100)", reply));
    assertInstanceOf(JobEntity.GangStopping.class, r.events().get(0));
    for (int i = 0; i < 2; i++) expectNode(NodeEntity.Stop.class).replyTo().tell(Done.getInstance());
    report("n0", status(1, 0, ReplicaPhase.EXITED, 143, Termination.STOPPED));
    JobEntity.State s = report("n1", status(1, 1, ReplicaPhase.EXITED, 143, Termination.STOPPED));
    assertEquals(JobState.PENDING, s.phase());
    assertEquals(2, s.attempt());
    assertEquals(0, s.restarts(), "a preemption is not the job's failure");
    assertEquals(submitted.submittedAt(), s.submittedAt());
    assertTrue(s.message().contains("preempted by j-high"), s.message());
    // a preemption of an attempt that is over is a no-op
    assertTrue(kit.<Done>runCommand(reply -> new JobEntity.Preempt(1, "j-high", "again", reply)).events().isEmpty());
  }

  @Test
  void resubmitWithSameKeyIsIdempotentAndDifferentSpecIsRefused() {
    JobSpec spec = spec(1, 0);
    submit(spec);
    var same = kit.<JobEntity.Result>runCommand(reply -> new JobEntity.Submit(spec, "alice", "key-1", reply));
    assertTrue(same.reply().isOk());
    assertTrue(same.events().isEmpty());
    var other = kit.<JobEntity.Result>runCommand(reply -> new JobEntity.Submit(spec(2, 0), "alice", "key-1", reply));
    assertEquals(JobEntity.ErrorCode.IDEMPOTENCY_MISMATCH, other.reply().error());
  }

  @Test
  void placementOfAStaleAttemptIsRefused() {
    submit(spec(1, 0));
    TestProbe<SchedulerSingleton.Command> answers = testKit.createTestProbe();
    kit.runCommand(new JobEntity.Place(7, slots(7, 1), "10.0.0.0", 29500, 1, answers.ref()));
    assertFalse(answers.expectMessageClass(SchedulerSingleton.PlacementAnswer.class).accepted());
  }

  @Test
  void stateSurvivesRestartFromTheJournal() {
    submit(spec(2, 0));
    place(1, 2);
    report("n0", status(1, 0, ReplicaPhase.RUNNING, null, null));
    var restarted = kit.restart();
    assertEquals(JobState.STARTING, restarted.state().phase());
    assertEquals(ReplicaRecord.RUNNING, restarted.state().replicas().get(0).phase());
    // after a restart the entity re-asserts its replicas on the nodes
    nodes.expectMessageClass(NodeEntity.Assign.class, Duration.ofSeconds(3));
  }
}
