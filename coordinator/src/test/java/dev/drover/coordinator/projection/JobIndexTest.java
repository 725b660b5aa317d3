package dev.drover.coordinator.projection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drover.coordinator.job.JobEntity;
import dev.drover.protocol.api.JobState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.persistence.query.Sequence;
import org.apache.pekko.projection.eventsourced.EventEnvelope;
import org.junit.jupiter.api.Test;

/**
 * The idempotent fold of the job read model, without Cassandra: events arrive at least once, in
 * order per job, and every repeat must leave the same state as a single delivery.
 */
class JobIndexTest {
  private static final String A = JobHistories.jobId(1);
  private static final String B = JobHistories.jobId(2);
  private static final List<JobEntity.Event> HISTORY_A = JobHistories.succeeded(A, JobHistories.T0);
  private static final List<JobEntity.Event> HISTORY_B = JobHistories.succeeded(B, JobHistories.T0.plusSeconds(5));

  @Test
  void aFoldedJobSkipsEventsItHasFoldedAlready() {
    FoldedJob job = FoldedJob.NONE;
    for (int i = 0; i < 4; i++) job = job.apply(i + 1, HISTORY_A.get(i));
    FoldedJob afterFour = job;
    // The stream starts again a little earlier: events 2 to 4 come again, then the rest.
    for (int i = 1; i < 4; i++) assertSame(afterFour, job = job.apply(i + 1, HISTORY_A.get(i)));
    for (int i = 4; i < 6; i++) job = job.apply(i + 1, HISTORY_A.get(i));

    assertEquals(6, job.seqNr());
    assertEquals(JobHistories.stateAfter(HISTORY_A, 6), job.state());
    assertEquals(JobState.SUCCEEDED, job.state().phase());
  }

  @Test
  void eventsOfAJobNeverSubmittedFoldToNothing() {
    FoldedJob job = FoldedJob.NONE.apply(2, HISTORY_A.get(1)).apply(3, HISTORY_A.get(2));
    assertNull(job.state());
    assertFalse(job.exists());
    assertEquals(3, job.seqNr());
  }

  @Test
  void theProjectionWritesARedeliveredGroupOnce() throws Exception {
    MapRows rows = new MapRows();
    JobIndexProjection.TableWriter writer = new JobIndexProjection.TableWriter(rows);

    writer.process(List.of(env(A, 1), env(A, 2), env(B, 1), env(A, 3))).toCompletableFuture().get();
    assertEquals(2, rows.writes);
    assertEquals(3, rows.rows.get(A).seqNr());
    assertEquals(JobHistories.stateAfter(HISTORY_A, 3), rows.rows.get(A).state());

    // The offset of the first group was not saved before a restart: it comes again, with more.
    List<EventEnvelope<JobEntity.Event>> second = new ArrayList<>();
    for (int i = 1; i <= 6; i++) second.add(env(A, i));
    for (int i = 1; i <= 6; i++) second.add(env(B, i));
    writer.process(second).toCompletableFuture().get();
    assertEquals(4, rows.writes);
    // And once more, as after a crash between the writes and the offset: nothing is written.
    writer.process(second).toCompletableFuture().get();
    assertEquals(4, rows.writes);

    assertEquals(new FoldedJob(JobHistories.stateAfter(HISTORY_A, 6), 6), rows.rows.get(A));
    assertEquals(new FoldedJob(JobHistories.stateAfter(HISTORY_B, 6), 6), rows.rows.get(B));
  }

  @Test
  void theProjectionSkipsAnEventItCannotApplyAndGoesOn() throws Exception {
    MapRows rows = new MapRows();
    JobIndexProjection.TableWriter writer = new JobIndexProjection.TableWriter(rows);
    // A ReplicaStarted for a rank the job does not have: State.apply throws.
    JobEntity.Event bad = new JobEntity.ReplicaStarted(A, 1, 7, "x", "n", 1L, JobHistories.T0);
    writer.process(List.of(env(A, 1), envelope(A, 2, bad), env(B, 1))).toCompletableFuture().get();
    assertEquals(new FoldedJob(JobHistories.stateAfter(HISTORY_A, 1), 2), rows.rows.get(A));
    assertEquals(1, rows.rows.get(B).seqNr());
  }

  @Test
  void anIndexLoadedFromTheTableSkipsTheEventsInTheRows() {
    JobIndex index = new JobIndex();
    index.load(new FoldedJob(JobHistories.stateAfter(HISTORY_A, 4), 4));
    index.load(new FoldedJob(JobHistories.stateAfter(HISTORY_B, 6), 6));
    assertEquals(2, index.size());
    assertEquals(JobState.RUNNING, index.get(A).orElseThrow().phase());

    // The tag stream from the stored offset delivers some events that are already in the rows.
    for (int i = 0; i < 6; i++) index.apply(i + 1, HISTORY_A.get(i));
    for (int i = 0; i < 6; i++) index.apply(i + 1, HISTORY_B.get(i));

    assertEquals(2, index.eventsSeen());
    assertEquals(JobHistories.stateAfter(HISTORY_A, 6), index.get(A).orElseThrow());
    assertEquals(JobHistories.stateAfter(HISTORY_B, 6), index.get(B).orElseThrow());
    JobIndex.Page page = index.list(null, null, null, 10, null);
    assertEquals(List.of(B, A), page.items().stream().map(JobEntity.State::jobId).toList());
  }

  @Test
  void aRowOlderThanWhatTheIndexFoldedIsIgnored() {
    JobIndex index = new JobIndex();
    for (int i = 0; i < 5; i++) index.apply(i + 1, HISTORY_A.get(i));
    index.load(new FoldedJob(JobHistories.stateAfter(HISTORY_A, 2), 2));
    assertEquals(JobHistories.stateAfter(HISTORY_A, 5), index.get(A).orElseThrow());
    index.apply(6, HISTORY_A.get(5));
    assertEquals(JobHistories.stateAfter(HISTORY_A, 6), index.get(A).orElseThrow());
  }

  @Test
  void anOfferedStateStillShowsAtOnce() {
    JobIndex index = new JobIndex();
    index.offer(JobHistories.stateAfter(HISTORY_A, 1));
    assertTrue(index.get(A).isPresent());
    index.load(new FoldedJob(JobHistories.stateAfter(HISTORY_A, 3), 3));
    assertEquals(JobState.RUNNING, index.get(A).orElseThrow().phase());
  }

  private static EventEnvelope<JobEntity.Event> env(String jobId, long seqNr) {
    List<JobEntity.Event> history = jobId.equals(A) ? HISTORY_A : HISTORY_B;
    return envelope(jobId, seqNr, history.get((int) seqNr - 1));
  }

  private static EventEnvelope<JobEntity.Event> envelope(String jobId, long seqNr, JobEntity.Event e) {
    return EventEnvelope.create(Sequence.apply(seqNr), JobEntity.persistenceId(jobId).id(), seqNr, e, 0L);
  }

  /** The table's contract in a map: a write at a lower sequence number than the row's is dropped. */
  private static final class MapRows implements JobIndexProjection.Rows {
    final Map<String, FoldedJob> rows = new HashMap<>();
    int writes;

    @Override
    public synchronized CompletionStage<Optional<FoldedJob>> read(String jobId) {
      return CompletableFuture.completedFuture(Optional.ofNullable(rows.get(jobId)));
    }

    @Override
    public synchronized CompletionStage<Done> write(FoldedJob job) {
      writes++;
      rows.merge(job.state().jobId(), job, (old, now) -> now.seqNr() >= old.seqNr() ? now : old);
      return CompletableFuture.completedFuture(Done.getInstance());
    }
  }
}
