package dev.drover.protocol.api;

import dev.drover.protocol.spec.JobSpec;
import java.time.Instant;
import java.util.List;

/**
 * A job as the API returns it.
 *
 * @param attempt 1 for the first run of the gang, incremented on each whole-gang restart
 * @param pendingReason why the job is not running yet; null when it is
 * @param message how the job ended (or is ending), e.g. "replica 1 exited with code 3"
 * @param pending the scheduler's detail on why the job waits; null when it does not wait
 */
public record JobView(
    String id,
    String name,
    String queue,
    int priority,
    String owner,
    JobState state,
    int attempt,
    int restarts,
    int replicas,
    int gpusPerReplica,
    String pendingReason,
    String message,
    Instant submittedAt,
    Instant startedAt,
    Instant finishedAt,
    JobSpec spec,
    List<ReplicaView> replicaStatus,
    PendingInfo pending) {

  /** A job view without scheduler detail. */
  public JobView(String id, String name, String queue, int priority, String owner, JobState state, int attempt, int restarts,
      int replicas, int gpusPerReplica, String pendingReason, String message, Instant submittedAt, Instant startedAt,
      Instant finishedAt, JobSpec spec, List<ReplicaView> replicaStatus) {
    this(id, name, queue, priority, owner, state, attempt, restarts, replicas, gpusPerReplica, pendingReason, message,
        submittedAt, startedAt, finishedAt, spec, replicaStatus, null);
  }
}
