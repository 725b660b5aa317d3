package dev.drover.coordinator.scheduling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drover.coordinator.Peers;
import dev.drover.coordinator.ProbePeers;
import dev.drover.coordinator.TestSettings;
import dev.drover.coordinator.job.JobEntity;
import dev.drover.coordinator.queue.QueueRegistry;
import dev.drover.protocol.agent.GpuDevice;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The ledger around the pure core: decisions journaled first, offered until answered, runtimes learnt, preemptions told. */
class SchedulerSingletonTest {
  private static final ActorTestKit testKit = ActorTestKit.create(ProbePeers.testKitConfig());

  private TestProbe<JobEntity.Command> jobs;
  private EventSourcedBehaviorTestKit<SchedulerSingleton.Command, SchedulerSingleton.Event, SchedulerSingleton.State> kit;

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void setUp() {
    jobs = testKit.createTestProbe();
    Peers peers = new ProbePeers(testKit.createTestProbe(), jobs, testKit.createTestProbe());
    kit = EventSourcedBehaviorTestKit.create(testKit.system(), SchedulerSingleton.create(TestSettings.fast(), peers));
  }

  private void node(String name, int gpus) {
    List<GpuDevice> devices = new ArrayList<>();
    for (int i = 0; i < gpus; i++) devices.add(new GpuDevice(i, name + "-gpu" + i, "H100", 80L << 30, "0:" + i, i * 2 / gpus));
    kit.runCommand(new SchedulerSingleton.NodeUpdated(new SchedulerSingleton.NodeInfo(name, "10.0.0.1", true, false, false,
        devices, 64, 512L << 30, Map.of(), 29500, 29599, java.util.Set.of())));
  }

  private static SchedulerSingleton.QueuedJob job(String id, String name, int gpus, Instant submitted, int priority, boolean preemptible) {
    return new SchedulerSingleton.QueuedJob(id, 1, "default", priority, submitted, 1, gpus, 1, 1L << 30, preemptible, null, Map.of(),
        Map.of(), "pack", name);
  }

  private void enqueue(SchedulerSingleton.QueuedJob q) {
    assertEquals(Done.getInstance(), kit.<Done>runCommand(r -> new SchedulerSingleton.Enqueue(q, r)).reply());
  }

  /** Lets the coalesced cycle run and returns the placement the job entity is offered. */
  private JobEntity.Place offered() {
    return jobs.expectMessageClass(JobEntity.Place.class, Duration.ofSeconds(3));
  }

  private static String jobIdOf(JobEntity.Place place) {
    String allocation = place.slots().get(0).allocationId();
    return allocation.substring(0, allocation.indexOf("-a" + place.attempt() + "-r"));
  }

  @Test
  void enqueuesAndReleasesArrivingTogetherAreWrittenTogetherAndDecidedInArrivalOrder() {
    ActorTestKit own = ActorTestKit.create(ProbePeers.testKitConfig());
    try {
      Peers peers = new ProbePeers(own.createTestProbe(), own.createTestProbe(), own.createTestProbe());
      org.apache.pekko.actor.typed.ActorRef<SchedulerSingleton.Command> scheduler =
          own.spawn(SchedulerSingleton.create(TestSettings.fast(), peers));
      TestProbe<Done> done = own.createTestProbe();
      Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
      // No node is known, so nothing is placed: the ledger's waiting jobs are exactly what was queued.
      for (int i = 0; i < 50; i++) scheduler.tell(new SchedulerSingleton.Enqueue(job("j-" + i, "b", 1, t0.plusSeconds(i), 0, false), done.ref()));
      scheduler.tell(new SchedulerSingleton.Enqueue(job("j-0", "b", 1, t0, 0, false), done.ref())); // a repeat
      scheduler.tell(new SchedulerSingleton.Release("j-1", 1, null, done.ref())); // released in the burst it was queued in
      scheduler.tell(new SchedulerSingleton.Enqueue(job("j-1", "b", 1, t0.plusSeconds(1), 0, false), done.ref())); // a late repeat
      scheduler.tell(new SchedulerSingleton.Release("j-99", 1, null, done.ref())); // never queued
      assertEquals(54, done.receiveSeveralMessages(54, Duration.ofSeconds(10)).size(), "every command is answered once");
      TestProbe<SchedulerSingleton.QueueUsage> usage = own.createTestProbe();
      scheduler.tell(new SchedulerSingleton.GetQueueUsage(usage.ref()));
      // j-1 was released, and its late repeat queued it again, exactly as one command at a time would have
      assertEquals(50, usage.receiveMessage().byQueue().get("default").pendingJobs());
      List<Object> events = org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit.create(own.system())
          .persistedInStorage(SchedulerSingleton.PERSISTENCE_ID.id());
      assertEquals(51, events.stream().filter(e -> e instanceof SchedulerSingleton.JobQueued).count(), "the repeat of j-0 wrote nothing");
      assertEquals(1, events.stream().filter(e -> e instanceof SchedulerSingleton.JobReleased).count(), "j-99 was never held");
    } finally {
      own.shutdownTestKit();
    }
  }

  @Test
  void placementsAreJournaledBeforeTheJobIsToldAndReofferedUntilAnswered() {
    node("n1", 8);
    enqueue(job("j-1", "train", 2, Instant.parse("2026-01-01T00:00:00Z"), 0, false));
    JobEntity.Place place = offered();
    assertEquals(1, place.attempt());
    assertEquals(2, place.slots().get(0).gpuIndices().size());
    assertTrue(kit.getState().allocations().containsKey("j-1/1"), "the ledger holds the GPUs before the job is told");
    // unanswered: offered again after the redelivery interval
    assertEquals(place.slots(), offered().slots());
    place.replyTo().tell(new SchedulerSingleton.PlacementAnswer("j-1", 1, true));
    jobs.expectNoMessage(Duration.ofMillis(800));
  }

  @Test
  void aRefusedPlacementGivesTheGpusBack() {
    node("n1", 2);
    enqueue(job("j-1", "train", 2, Instant.parse("2026-01-01T00:00:00Z"), 0, false));
    JobEntity.Place place = offered();
    kit.runCommand(new SchedulerSingleton.PlacementAnswer("j-1", 1, false));
    assertFalse(kit.getState().allocations().containsKey("j-1/1"));
  }

  @Test
  void expectedRuntimesAreLearntFromSucceededAttemptsAndShortJobsGoFirst() {
    node("n1", 1);
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    // history: "quick" jobs take a minute, "long" jobs ten hours
    for (int i = 0; i < 3; i++) {
      for (String kind : List.of("quick", "long")) {
        String id = "h-" + kind + i;
        enqueue(job(id, kind, 1, t0.plusSeconds(i), 0, false));
        String placed = jobIdOf(offered());
        assertEquals(id, placed);
        kit.runCommand(new SchedulerSingleton.PlacementAnswer(placed, 1, true));
        long runtime = kind.equals("quick") ? 60_000L : 36_000_000L;
        kit.<Done>runCommand(r -> new SchedulerSingleton.Release(placed, 1, runtime, r));
      }
    }
    assertEquals(6, kit.getState().runtimes().size());
    jobs.receiveSeveralMessages(0, Duration.ofMillis(300));
    // the GPU is busy while both wait; the long job was submitted first
    enqueue(job("blocker", "other", 1, t0.plusSeconds(100), 0, false));
    JobEntity.Place blocker = offered();
    kit.runCommand(new SchedulerSingleton.PlacementAnswer("blocker", 1, true));
    enqueue(job("j-long", "long", 1, t0.plusSeconds(200), 0, false));
    enqueue(job("j-quick", "quick", 1, t0.plusSeconds(201), 0, false));
    kit.<Done>runCommand(r -> new SchedulerSingleton.Release("blocker", 1, null, r));
    JobEntity.Place next = offered();
    assertEquals("j-quick", jobIdOf(next), "the job expected to be short goes first");
    assertEquals(blocker.slots().get(0).node(), next.slots().get(0).node());
  }

  @Test
  void preemptionsAreJournaledAndToldToTheVictim() {
    node("n1", 4);
    kit.runCommand(new SchedulerSingleton.QueuesUpdated(List.of(
        new QueueRegistry.Queue("default", null, 0, 1, 1_000_000, Instant.EPOCH))));
    enqueue(job("low", "low", 4, Instant.parse("2026-01-01T00:00:00Z"), -100, true));
    JobEntity.Place low = offered();
    kit.runCommand(new SchedulerSingleton.PlacementAnswer("low", 1, true));
    enqueue(job("high", "high", 4, Instant.parse("2026-01-01T00:01:00Z"), 100, false));
    JobEntity.Preempt preempt = jobs.expectMessageClass(JobEntity.Preempt.class, Duration.ofSeconds(3));
    assertEquals(1, preempt.attempt());
    assertTrue(kit.getState().terminating().contains("low/1"));
    assertEquals("high", kit.getState().preemptions().get("low").get(0).forJobId());
    preempt.replyTo().tell(Done.getInstance());
    // once the victim has released its GPUs, the preemptor is placed
    kit.<Done>runCommand(r -> new SchedulerSingleton.Release("low", 1, null, r));
    JobEntity.Place high = offered();
    assertEquals("high", jobIdOf(high));
    assertFalse(kit.getState().terminating().contains("low/1"));
    assertEquals(low.slots().get(0).node(), high.slots().get(0).node());
  }
}
