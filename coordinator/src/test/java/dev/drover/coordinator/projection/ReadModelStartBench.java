package dev.drover.coordinator.projection;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.drover.coordinator.DroverSettings;
import dev.drover.coordinator.it.LocalCassandra;
import dev.drover.coordinator.job.JobEntity;
import dev.drover.protocol.api.JobState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * How long a coordinator's job index takes to be complete with a long history in Cassandra:
 * today's replay of the "job" tag from the beginning against loading the job_index table and
 * following the tag from the stored offset. Not part of the build (the name does not end in Test,
 * and it runs only when given a number of jobs):
 * {@code mvn test -pl coordinator -Dtest=ReadModelStartBench -Dbench.jobs=10000 [-Dbench.cassandra=HOST:PORT]}.
 *
 * <p>Writes {@code bench.jobs} finished jobs (six events each) into a fresh keyspace (the last one
 * a minute after the others), runs the projection until the table holds them all, then starts the
 * index three times each way, each in a fresh actor system (its own Cassandra sessions), timed from
 * the system's creation to the last job in the index. Results are printed as "BENCH ..." lines. With {@code bench.cassandra} the
 * keyspace is kept (its name is printed), so a coordinator process can be started on it by hand.
 */
@EnabledIfSystemProperty(named = "bench.jobs", matches = "\\d+")
class ReadModelStartBench {
  private static final int JOBS = Integer.getInteger("bench.jobs", 0);
  private static final int EVENTS_PER_JOB = 6;

  @Test
  void replayAgainstTableLoad() throws Exception {
    String external = System.getProperty("bench.cassandra");
    String contactPoint = external != null ? external : LocalCassandra.shared().contactPoint();
    String keyspace = "bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    System.out.println("BENCH keyspace " + keyspace + " on " + contactPoint + ", " + JOBS + " jobs x " + EVENTS_PER_JOB + " events");

    ActorSystem<Write> writer = ActorSystem.create(writers(), "bench", config(keyspace, contactPoint));
    try {
      Cluster cluster = Cluster.get(writer);
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
      long t0 = System.nanoTime();
      writeHistory(writer, 0, JOBS - 1);
      long written = System.nanoTime();
      System.out.printf("BENCH history written: %d events in %.1f s%n", (JOBS - 1) * EVENTS_PER_JOB, (written - t0) / 1e9);

      JobIndexProjection.init(writer, DroverSettings.from(writer.settings().config()));
      JobIndexTable table = JobIndexTable.get(writer);
      await(Duration.ofMinutes(10), () -> rowsAtLastEvent(writer, table) == JOBS - 1);
      System.out.printf("BENCH projection caught up: %d jobs in job_index %.1f s after the last write%n", JOBS - 1,
          (System.nanoTime() - written) / 1e9);
      // A real history does not end in a burst: one more job after a quiet minute, so that the
      // stored offset is not within the minute a start rewinds to (every event of a burst there
      // would be read again, and skipped).
      long quiet = Duration.ofSeconds(61).toNanos() - (System.nanoTime() - written);
      if (quiet > 0) Thread.sleep(quiet / 1_000_000);
      writeHistory(writer, JOBS - 1, JOBS);
      await(Duration.ofMinutes(2), () -> rowsAtLastEvent(writer, table) == JOBS);
      // Its offset is saved after the group's writes; let the last save land.
      Thread.sleep(2000);
    } finally {
      writer.terminate();
      writer.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    List<Long> replay = new ArrayList<>();
    List<Long> load = new ArrayList<>();
    for (int round = 0; round < 3; round++) {
      replay.add(timeIndex(keyspace, contactPoint, false));
      load.add(timeIndex(keyspace, contactPoint, true));
    }
    System.out.println("BENCH replay of the job tag from the beginning, ms: " + replay);
    System.out.println("BENCH job_index load + follow from the stored offset, ms: " + load);
  }

  /** Milliseconds from a fresh actor system to an index holding every job at its last event. */
  private static long timeIndex(String keyspace, String contactPoint, boolean fromTable) throws Exception {
    long t0 = System.nanoTime();
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "bench", config(keyspace, contactPoint));
    try {
      JobIndex index;
      if (fromTable) {
        index = JobIndex.start(system, DroverSettings.PersistenceMode.CASSANDRA);
        JobIndexTable.get(system).indexLoaded().toCompletableFuture().get(10, TimeUnit.MINUTES);
      } else {
        // What JobIndex.start did before the table: fold the tag from the beginning.
        index = new JobIndex();
        index.follow(system, DroverSettings.PersistenceMode.CASSANDRA, Offset.noOffset());
        JobIndex i = index;
        await(Duration.ofMinutes(10), () -> i.eventsSeen() == (long) JOBS * EVENTS_PER_JOB);
      }
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertEquals(JOBS, index.size());
      assertEquals(Math.min(JOBS, 500), index.list(JobState.SUCCEEDED, null, null, 500, null).items().size());
      System.out.println("BENCH " + (fromTable ? "table load" : "replay") + ": " + ms + " ms (" + index.eventsSeen() + " events folded)");
      return ms;
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
  }

  private static int rowsAtLastEvent(ActorSystem<?> system, JobIndexTable table) {
    try {
      return table.all().runWith(Sink.fold(0, (n, job) -> job.seqNr() == EVENTS_PER_JOB ? n + 1 : n), system)
          .toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      return -1;
    }
  }

  /** Journals jobs {@code from} (inclusive) to {@code to} (exclusive), 64 at a time. */
  private static void writeHistory(ActorSystem<Write> writer, int from, int to) throws Exception {
    Semaphore inFlight = new Semaphore(64);
    List<CompletableFuture<Done>> all = new ArrayList<>();
    for (int n = from; n < to; n++) {
      List<JobEntity.Event> events = JobHistories.succeeded(JobHistories.jobId(n), JobHistories.T0.plusSeconds(n));
      inFlight.acquire();
      CompletableFuture<Done> f = AskPattern.<Write, Done>ask(writer, reply -> new Write(events, reply), Duration.ofSeconds(60),
              writer.scheduler())
          .toCompletableFuture();
      f.whenComplete((d, e) -> inFlight.release());
      all.add(f);
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(30, TimeUnit.MINUTES);
  }

  private static Config config(String keyspace, String contactPoint) {
    Config overrides = ConfigFactory.parseMap(Map.of(
        "drover.persistence.mode", "cassandra",
        "drover.cassandra.keyspace", keyspace,
        "drover.cassandra.contact-points", List.of(contactPoint),
        "drover.cassandra.write-timeout", "30s",
        "pekko.remote.artery.canonical.port", 0,
        "pekko.loglevel", "WARNING"));
    return ConfigFactory.load(overrides
        .withFallback(ConfigFactory.parseResources("persistence-cassandra.conf"))
        .withFallback(ConfigFactory.parseResourcesAnySyntax("application")));
  }

  private static void await(Duration timeout, BooleanSupplier done) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("timed out after " + timeout);
      Thread.sleep(20);
    }
  }

  // ---------------------------------------------------------------- history writer

  /** Journal these events of one job, tagged as JobEntity tags them. */
  record Write(List<JobEntity.Event> events, ActorRef<Done> replyTo) {}

  private static Behavior<Write> writers() {
    return Behaviors.setup(ctx -> Behaviors.receive(Write.class)
        .onMessage(Write.class, w -> {
          ctx.spawnAnonymous(new HistoryWriter(JobEntity.persistenceId(w.events().get(0).jobId()))).tell(w);
          return Behaviors.same();
        })
        .build());
  }

  private static final class HistoryWriter extends EventSourcedBehavior<Write, JobEntity.Event, Integer> {
    HistoryWriter(PersistenceId id) {
      super(id);
    }

    @Override
    public Integer emptyState() {
      return 0;
    }

    @Override
    public CommandHandler<Write, JobEntity.Event, Integer> commandHandler() {
      return newCommandHandlerBuilder().forAnyState()
          .onCommand(Write.class, (s, w) -> Effect().persist(w.events()).thenRun(x -> w.replyTo().tell(Done.getInstance())).thenStop())
          .build();
    }

    @Override
    public EventHandler<Integer, JobEntity.Event> eventHandler() {
      return newEventHandlerBuilder().forAnyState().onAnyEvent((s, e) -> s + 1);
    }

    @Override
    public Set<String> tagsFor(JobEntity.Event event) {
      return Set.of(JobEntity.TAG);
    }
  }
}
