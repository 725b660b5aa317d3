package dev.drover.coordinator.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drover.coordinator.Peers;
import dev.drover.coordinator.ProbePeers;
import dev.drover.coordinator.job.JobEntity;
import dev.drover.coordinator.node.NodeEntity;
import dev.drover.coordinator.scheduling.SchedulerSingleton;
import java.time.Instant;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class QueueRegistryTest {
  private static final ActorTestKit testKit = ActorTestKit.create(ProbePeers.testKitConfig());

  private TestProbe<SchedulerSingleton.Command> scheduler;
  private EventSourcedBehaviorTestKit<QueueRegistry.Command, QueueRegistry.Event, QueueRegistry.State> kit;

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void setUp() {
    scheduler = testKit.createTestProbe();
    Peers peers = new ProbePeers(scheduler, testKit.createTestProbe(), testKit.createTestProbe());
    kit = EventSourcedBehaviorTestKit.create(testKit.system(), QueueRegistry.create(peers));
  }

  private static QueueRegistry.Queue q(String name, String parent, int guaranteed, double weight, int borrow) {
    return new QueueRegistry.Queue(name, parent, guaranteed, weight, borrow, null);
  }

  private QueueRegistry.Result create(QueueRegistry.Queue q) {
    return kit.<QueueRegistry.Result>runCommand(r -> new QueueRegistry.Create(q, "admin", r)).reply();
  }

  @Test
  void defaultQueueAlwaysExistsAndCannotBeDeleted() {
    var all = kit.<QueueRegistry.Result>runCommand(QueueRegistry.Get::new).reply();
    assertTrue(all.queues().containsKey("default"));
    var del = kit.<QueueRegistry.Result>runCommand(r -> new QueueRegistry.Delete("default", "admin", r)).reply();
    assertEquals(QueueRegistry.ErrorCode.CONFLICT, del.error());
  }

  @Test
  void hierarchyGuaranteesMustFitInTheParent() {
    assertTrue(create(q("research", null, 32, 2, 16)).isOk());
    assertTrue(create(q("vision", "research", 24, 1, 8)).isOk());
    var tooMuch = create(q("nlp", "research", 16, 1, 0));
    assertEquals(QueueRegistry.ErrorCode.INVALID, tooMuch.error());
    assertEquals("/guaranteedGpus", tooMuch.errors().get(0).pointer());
    assertTrue(tooMuch.message().contains("40 GPUs, more than its own 32"), tooMuch.message());
    var orphan = create(q("x", "nope", 0, 1, 0));
    assertEquals("/parent", orphan.errors().get(0).pointer());
    var shrink = kit.<QueueRegistry.Result>runCommand(r -> new QueueRegistry.Update(q("research", null, 8, 1, 0), "admin", r)).reply();
    assertTrue(shrink.message().contains("children are guaranteed 24"), shrink.message());
    var cycle = kit.<QueueRegistry.Result>runCommand(r -> new QueueRegistry.Update(q("research", "vision", 32, 1, 0), "admin", r)).reply();
    assertEquals("/parent", cycle.errors().get(0).pointer());
    var withChildren = kit.<QueueRegistry.Result>runCommand(r -> new QueueRegistry.Delete("research", "admin", r)).reply();
    assertTrue(withChildren.message().contains("child queues: vision"), withChildren.message());
  }

  @Test
  void invalidValuesNameTheirField() {
    assertEquals("/name", create(q("bad name", null, 0, 1, 0)).errors().get(0).pointer());
    assertEquals("/weight", create(q("w", null, 0, 0, 0)).errors().get(0).pointer());
    assertEquals("/guaranteedGpus", create(q("g", null, -1, 1, 0)).errors().get(0).pointer());
    assertEquals("/borrowLimitGpus", create(q("b", null, 0, 1, -5)).errors().get(0).pointer());
    assertEquals(QueueRegistry.ErrorCode.CONFLICT, create(q("default", null, 0, 1, 0)).error());
  }

  @Test
  void changesArePublishedToTheSchedulerAndSurviveRestart() {
    scheduler.expectMessageClass(SchedulerSingleton.QueuesUpdated.class);
    create(q("research", null, 32, 2, 16));
    SchedulerSingleton.QueuesUpdated u = scheduler.expectMessageClass(SchedulerSingleton.QueuesUpdated.class);
    assertEquals(List.of("default", "research"), u.queues().stream().map(QueueRegistry.Queue::name).toList());
    var restarted = kit.restart();
    QueueRegistry.Queue research = restarted.state().queues().get("research");
    assertEquals(32, research.guaranteedGpus());
    assertTrue(research.createdAt().isAfter(Instant.EPOCH));
  }
}
