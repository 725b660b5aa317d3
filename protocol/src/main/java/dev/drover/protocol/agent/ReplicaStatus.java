package dev.drover.protocol.agent;

import java.time.Instant;

/**
 * The actual state of one replica on an agent, sent on every change and in full after each connect.
 *
 * @param allocationId the allocation the coordinator assigned, unique per job attempt and rank
 * @param termination set when the phase is EXITED
 * @param exitCode process exit code when it exited; 128+signal when killed by a signal
 * @param message human-readable detail, e.g. why a start failed
 */
public record ReplicaStatus(
    String allocationId,
    String jobId,
    int attempt,
    int rank,
    ReplicaPhase phase,
    Long pid,
    Integer exitCode,
    Termination termination,
    String message,
    Instant startedAt,
    Instant finishedAt) {

  public boolean terminal() {
    return phase == ReplicaPhase.EXITED;
  }
}
