package dev.drover.coordinator.projection;

import dev.drover.coordinator.DroverSettings;
import dev.drover.coordinator.job.JobEntity;
import dev.drover.coordinator.persistence.Journals;
import dev.drover.protocol.api.JobState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.stream.RestartSettings;
import org.apache.pekko.stream.javadsl.RestartSource;
import org.apache.pekko.stream.javadsl.Sink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Read model of every job for listing and filtering, folded from the journal's "job" tag.
 *
 * <p>Standalone (H2): rebuilt from the journal on start, then kept live by the tag stream. Cassandra
 * mode: loaded from the {@code job_index} table that {@link JobIndexProjection} maintains, then kept
 * live by the tag stream from the projection's stored offset, so a start does not replay every job
 * event. Routes also offer the states they get from entities so a job shows up in the list as soon
 * as its submit is acknowledged.
 */
public final class JobIndex {
  private static final Logger log = LoggerFactory.getLogger(JobIndex.class);
  private static final RestartSettings RESTART =
      RestartSettings.create(Duration.ofMillis(200), Duration.ofSeconds(5), 0.2);

  private final Map<String, JobEntity.State> jobs = new ConcurrentHashMap<>();
  /** The sequence number of the last event folded per job: a replayed event is skipped, not applied twice. */
  private final Map<String, Long> folded = new ConcurrentHashMap<>();
  private final AtomicLong eventsSeen = new AtomicLong();
  private final java.util.List<java.util.function.Consumer<JobEntity.State>> listeners =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  /** A page of jobs, newest first. */
  public record Page(List<JobEntity.State> items, String nextCursor) {}

  /**
   * Starts the index of the configured journal: H2 folds the "job" tag from the beginning; Cassandra
   * loads the job_index table first (trying again with backoff while Cassandra or the table is not
   * there) and follows the tag from the offset the projection had stored before the load.
   */
  public static JobIndex start(ActorSystem<?> system, DroverSettings.PersistenceMode mode) {
    JobIndex index = new JobIndex();
    if (mode != DroverSettings.PersistenceMode.CASSANDRA) {
      index.follow(system, mode, Offset.noOffset());
      return index;
    }
    JobIndexTable table = JobIndexTable.get(system);
    Patterns.retry(() -> index.load(system, table).whenComplete((loaded, e) -> {
              if (e != null) log.warn("Job index: cannot load {} yet, trying again: {}", table.qualifiedName(), e.toString());
            }),
            Integer.MAX_VALUE, Duration.ofMillis(500), Duration.ofSeconds(10), 0.2, system)
        .thenAccept(loaded -> {
          log.info("Job index: loaded {} jobs from {} in {} ms; following the job tag from {}", loaded.rows(),
              table.qualifiedName(), loaded.millis(), loaded.offset().map(Object::toString).orElse("the beginning"));
          index.follow(system, mode, loaded.offset().orElse(Offset.noOffset()));
          table.markIndexLoaded(loaded.rows());
        });
    return index;
  }

  /** What a load from the table found: rows, the offset stored before them, how long it took. */
  record Loaded(int rows, Optional<Offset> offset, long millis) {}

  /**
   * Reads the projection's offset, then the table: every event before that offset is in the rows
   * read after it, and the events after it that are in the rows too are skipped by sequence number
   * when the tag stream delivers them again.
   */
  CompletionStage<Loaded> load(ActorSystem<?> system, JobIndexTable table) {
    long t0 = System.nanoTime();
    AtomicInteger rows = new AtomicInteger();
    return table.ensureSchema().thenCompose(d -> table.storedOffset()).thenCompose(offset -> table.all()
        .runForeach(job -> {
          load(job);
          rows.incrementAndGet();
        }, system)
        .thenApply(done -> new Loaded(rows.get(), offset, (System.nanoTime() - t0) / 1_000_000)));
  }

  /**
   * Follows the "job" tag from a little before this offset (see {@link #rewound}); a failed stream
   * restarts with backoff from a little before the last offset it saw.
   */
  void follow(ActorSystem<?> system, DroverSettings.PersistenceMode mode, Offset from) {
    AtomicReference<Offset> offset = new AtomicReference<>(from);
    RestartSource.withBackoff(RESTART,
            () -> Journals.eventsByTag(system, mode).eventsByTag(JobEntity.TAG, rewound(offset.get())))
        .runWith(
            Sink.foreach(env -> {
              offset.set(env.offset());
              if (env.event() instanceof JobEntity.Event e) apply(env.sequenceNr(), e);
            }),
            system);
  }

  /** Takes a stored job unless the index already folded it further. */
  void load(FoldedJob job) {
    if (!job.exists()) return;
    String id = job.state().jobId();
    folded.merge(id, job.seqNr(), Math::max);
    if (folded.get(id) == job.seqNr()) jobs.merge(id, job.state(), (old, now) -> rank(now) >= rank(old) ? now : old);
  }

  /**
   * Where a restarted stream resumes: a time-based (Cassandra) offset goes back a little, since an
   * event written late (by a coordinator that died mid-write, repaired at its next recovery) can sit
   * before the offset; events folded already are skipped by their sequence numbers.
   */
  static Offset rewound(Offset o) {
    if (!(o instanceof org.apache.pekko.persistence.query.TimeBasedUUID t)) return o;
    long millis = com.datastax.oss.driver.api.core.uuid.Uuids.unixTimestamp(t.value()) - REWIND.toMillis();
    return Offset.timeBasedUUID(com.datastax.oss.driver.api.core.uuid.Uuids.startOf(Math.max(0, millis)));
  }

  private static final java.time.Duration REWIND = java.time.Duration.ofSeconds(60);

  void apply(long sequenceNr, JobEntity.Event e) {
    Long last = folded.get(e.jobId());
    if (last != null && sequenceNr <= last) return;
    folded.put(e.jobId(), sequenceNr);
    apply(e);
  }

  void apply(JobEntity.Event e) {
    eventsSeen.incrementAndGet();
    JobEntity.State now = jobs.compute(e.jobId(), (id, s) -> FoldedJob.next(s, e));
    if (now != null && now.exists()) for (java.util.function.Consumer<JobEntity.State> l : listeners) l.accept(now);
  }

  /**
   * Called with a job's new state after each event the index folds (on the stream's thread, in
   * journal order per job): must not block. Loads from the job_index table are not reported.
   */
  public void listen(java.util.function.Consumer<JobEntity.State> listener) {
    listeners.add(listener);
  }

  public void unlisten(java.util.function.Consumer<JobEntity.State> listener) {
    listeners.remove(listener);
  }

  /** Every job the index holds, in no particular order. */
  public java.util.Collection<JobEntity.State> all() {
    return java.util.Collections.unmodifiableCollection(jobs.values());
  }

  /** Events folded in since start (skipped repeats not counted). */
  long eventsSeen() {
    return eventsSeen.get();
  }

  /** Offers a state read from an entity; kept unless the index already knows a later one. */
  public void offer(JobEntity.State s) {
    if (s == null || !s.exists()) return;
    jobs.merge(s.jobId(), s, (old, now) -> rank(now) >= rank(old) ? now : old);
  }

  private static int rank(JobEntity.State s) {
    // Attempts and phases only move forward; a later one wins.
    return s.attempt() * 100 + (s.phase() == null ? 0 : s.phase().ordinal() + (s.terminal() ? 50 : 0));
  }

  public Optional<JobEntity.State> get(String id) {
    return Optional.ofNullable(jobs.get(id));
  }

  public int size() {
    return jobs.size();
  }

  /** Filters, sorts newest first and pages with an opaque cursor. */
  public Page list(JobState state, String queue, String owner, int limit, String cursor) {
    Comparator<JobEntity.State> newestFirst =
        Comparator.comparing(JobEntity.State::submittedAt).thenComparing(JobEntity.State::jobId).reversed();
    Cursor after = cursor == null ? null : Cursor.decode(cursor);
    List<JobEntity.State> all = new ArrayList<>();
    for (JobEntity.State s : jobs.values()) {
      if (state != null && s.phase() != state) continue;
      if (queue != null && !queue.equals(s.spec().queue())) continue;
      if (owner != null && !owner.equals(s.owner())) continue;
      if (after != null) {
        int c = s.submittedAt().compareTo(after.submittedAt());
        if (c > 0 || (c == 0 && s.jobId().compareTo(after.jobId()) >= 0)) continue;
      }
      all.add(s);
    }
    all.sort(newestFirst);
    if (all.size() <= limit) return new Page(List.copyOf(all), null);
    List<JobEntity.State> page = List.copyOf(all.subList(0, limit));
    JobEntity.State last = page.get(page.size() - 1);
    return new Page(page, new Cursor(last.submittedAt(), last.jobId()).encode());
  }

  /** Position in the newest-first order: after this submit time and job id. */
  public record Cursor(Instant submittedAt, String jobId) {
    String encode() {
      String raw = submittedAt.toString() + "|" + jobId;
      return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    /** Decodes a cursor, throwing IllegalArgumentException for anything this index did not write. */
    public static Cursor decode(String s) {
      try {
        String raw = new String(Base64.getUrlDecoder().decode(s), StandardCharsets.UTF_8);
        int bar = raw.indexOf('|');
        return new Cursor(Instant.parse(raw.substring(0, bar)), raw.substring(bar + 1));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("invalid cursor '" + s + "'");
      }
    }
  }
}
