package dev.drover.coordinator.projection;

import dev.drover.coordinator.job.JobEntity;

/**
 * A job's state folded from its events, with the sequence number of the last event folded in: the
 * unit of the job read model, in memory ({@link JobIndex}) and in Cassandra ({@link JobIndexTable}).
 *
 * <p>Events arrive at least once (a restarted tag stream or projection delivers some again), in
 * order per job; the sequence number makes folding idempotent. {@code state} is null while nothing
 * of the job is known, and stays null for events of a job whose submission was never seen.
 */
public record FoldedJob(JobEntity.State state, long seqNr) {
  /** A job nothing is known of yet. */
  public static final FoldedJob NONE = new FoldedJob(null, 0);

  /** This job after the event with this sequence number; itself when that event is already folded in. */
  public FoldedJob apply(long sequenceNr, JobEntity.Event event) {
    if (sequenceNr <= seqNr) return this;
    return new FoldedJob(next(state, event), sequenceNr);
  }

  /** Whether there is a state to show or store. */
  public boolean exists() {
    return state != null && state.exists();
  }

  /** The job's state after the event; null for an event of a job that was never submitted. */
  static JobEntity.State next(JobEntity.State state, JobEntity.Event event) {
    JobEntity.State base = state == null ? JobEntity.State.empty() : state;
    if (!(event instanceof JobEntity.JobSubmitted) && !base.exists()) return null;
    return base.apply(event);
  }
}
