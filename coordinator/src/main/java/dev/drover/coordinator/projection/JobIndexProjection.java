package dev.drover.coordinator.projection;

import dev.drover.coordinator.DroverSettings;
import dev.drover.coordinator.job.JobEntity;
import dev.drover.coordinator.persistence.Journals;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.ShardedDaemonProcessSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ShardedDaemonProcess;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.projection.ProjectionBehavior;
import org.apache.pekko.projection.cassandra.javadsl.CassandraProjection;
import org.apache.pekko.projection.eventsourced.EventEnvelope;
import org.apache.pekko.projection.javadsl.GroupedProjection;
import org.apache.pekko.projection.javadsl.Handler;
import org.apache.pekko.projection.javadsl.SourceProvider;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the {@code job_index} table (Cassandra mode) folded from the journal's "job" tag, with its
 * offset in the projection offset store, so a coordinator starts its {@link JobIndex} from the
 * table instead of replaying every job event.
 *
 * <p>Runs once in the cluster as a sharded daemon process of one instance: sharding moves it to
 * another coordinator when its coordinator leaves or is downed, and its keep-alive starts it again
 * after a crash. (A cluster singleton would do as well; the daemon process is what Pekko's
 * projection guide uses, and it grows into one instance per tag slice without a new runner.)
 * Delivery is at least once: a group of events is written, then its offset saved, so a restart
 * folds some events again (more so as it starts a little before the stored offset, see
 * {@link JobTag}), which the sequence numbers in the table make harmless.
 */
public final class JobIndexProjection {
  private static final Logger log = LoggerFactory.getLogger(JobIndexProjection.class);

  private JobIndexProjection() {}

  /** Starts the projection in Cassandra mode, once the table exists; nothing in standalone (H2) mode. */
  public static void init(ActorSystem<?> system, DroverSettings settings) {
    if (settings.persistenceMode() != DroverSettings.PersistenceMode.CASSANDRA) return;
    JobIndexTable table = JobIndexTable.get(system);
    Patterns.retry(() -> table.ensureSchema().whenComplete((d, e) -> {
              if (e != null) log.warn("Job index: cannot create {} and the offset store yet, trying again: {}", table.qualifiedName(), e.toString());
            }),
            Integer.MAX_VALUE, Duration.ofMillis(500), Duration.ofSeconds(10), 0.2, system)
        .thenRun(() -> ShardedDaemonProcess.get(system).init(
            ProjectionBehavior.Command.class,
            "job-index",
            1,
            i -> ProjectionBehavior.create(projection(system, table)),
            ShardedDaemonProcessSettings.create(system),
            Optional.of(ProjectionBehavior.stopMessage())));
  }

  static GroupedProjection<Offset, EventEnvelope<JobEntity.Event>> projection(ActorSystem<?> system, JobIndexTable table) {
    JobIndexSettings s = table.settings();
    return CassandraProjection.groupedWithin(JobIndexTable.PROJECTION_ID, new JobTag(system), () -> new TableWriter(table))
        .withGroup(s.groupAfterEnvelopes(), s.groupAfterDuration())
        .withRestartBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2);
  }

  /**
   * The journal's "job" tag from a little before the stored offset. What
   * {@code EventSourcedProvider.eventsByTag} does, except that every (re)start of the projection
   * gets a fresh read journal and a rewound offset, as {@link JobIndex} does: the read journal
   * instance the provider would keep for the life of the system never recovers from a first start
   * while Cassandra is unreachable ({@link Journals#eventsByTag}), and an event written late can sit
   * just before the stored offset. Events delivered again are skipped by sequence number.
   */
  static final class JobTag extends SourceProvider<Offset, EventEnvelope<JobEntity.Event>> {
    private final ActorSystem<?> system;

    JobTag(ActorSystem<?> system) {
      this.system = system;
    }

    @Override
    public CompletionStage<Source<EventEnvelope<JobEntity.Event>, NotUsed>> source(
        Supplier<CompletionStage<Optional<Offset>>> storedOffset) {
      return storedOffset.get().thenApply(offset -> Journals.eventsByTag(system, DroverSettings.PersistenceMode.CASSANDRA)
          .eventsByTag(JobEntity.TAG, JobIndex.rewound(offset.orElse(Offset.noOffset())))
          .filter(env -> env.event() instanceof JobEntity.Event)
          .map(env -> EventEnvelope.create(env.offset(), env.persistenceId(), env.sequenceNr(), (JobEntity.Event) env.event(),
              env.timestamp())));
    }

    @Override
    public Offset extractOffset(EventEnvelope<JobEntity.Event> envelope) {
      return envelope.offset();
    }

    @Override
    public long extractCreationTime(EventEnvelope<JobEntity.Event> envelope) {
      return envelope.timestamp();
    }
  }

  /** Where folded jobs are stored: the job_index table, or a map in tests. */
  interface Rows {
    CompletionStage<Optional<FoldedJob>> read(String jobId);

    /** Stores the job unless its row is at a later sequence number already. */
    CompletionStage<Done> write(FoldedJob job);
  }

  /** Folds a group of events into the rows of their jobs: one read and at most one write per job. */
  static final class TableWriter extends Handler<List<EventEnvelope<JobEntity.Event>>> {
    private final Rows table;

    TableWriter(Rows table) {
      this.table = table;
    }

    @Override
    public CompletionStage<Done> start() {
      // Where it runs moves between coordinators; operators look for this line.
      log.info("Job index projection started on this coordinator");
      return CompletableFuture.completedFuture(Done.getInstance());
    }

    @Override
    public CompletionStage<Done> process(List<EventEnvelope<JobEntity.Event>> group) {
      Map<String, List<EventEnvelope<JobEntity.Event>>> byJob = byJob(group);
      List<CompletableFuture<Done>> writes = new ArrayList<>(byJob.size());
      for (Map.Entry<String, List<EventEnvelope<JobEntity.Event>>> e : byJob.entrySet()) {
        writes.add(table.read(e.getKey())
            .thenCompose(stored -> {
              FoldedJob before = stored.orElse(FoldedJob.NONE);
              FoldedJob after = fold(before, e.getValue());
              // Nothing new (all seen before), or events of a job whose submission is unknown.
              if (after.seqNr() == before.seqNr() || !after.exists()) return CompletableFuture.completedFuture(Done.getInstance());
              return table.write(after);
            })
            .toCompletableFuture());
      }
      return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).thenApply(v -> Done.getInstance());
    }
  }

  /** The group's events by job, in order within each job. */
  static Map<String, List<EventEnvelope<JobEntity.Event>>> byJob(List<EventEnvelope<JobEntity.Event>> group) {
    Map<String, List<EventEnvelope<JobEntity.Event>>> byJob = new LinkedHashMap<>();
    for (EventEnvelope<JobEntity.Event> env : group) byJob.computeIfAbsent(env.event().jobId(), k -> new ArrayList<>()).add(env);
    return byJob;
  }

  /**
   * The stored job with these events folded in; an event at or below its sequence number is
   * skipped. An event its state cannot apply is logged and passed over rather than stopping the
   * projection for every job (the entity, which applies the same events, is where to fix it).
   */
  static FoldedJob fold(FoldedJob stored, List<EventEnvelope<JobEntity.Event>> events) {
    FoldedJob job = stored;
    for (EventEnvelope<JobEntity.Event> env : events) {
      try {
        job = job.apply(env.sequenceNr(), env.event());
      } catch (RuntimeException e) {
        log.error("Job index: cannot fold event {} of {} (seq {}); skipped", env.event().getClass().getSimpleName(),
            env.persistenceId(), env.sequenceNr(), e);
        job = new FoldedJob(job.state(), env.sequenceNr());
      }
    }
    return job;
  }
}
