package dev.drover.coordinator.job;

import java.time.Instant;
import java.util.List;

/** A replica of the job's current attempt: its slot plus what its agent last reported. */
public record ReplicaRecord(
    ReplicaSlot slot,
    String phase,
    Long pid,
    Integer exitCode,
    String termination,
    String message,
    Instant startedAt,
    Instant finishedAt) {

  public static final String ASSIGNED = "ASSIGNED";
  public static final String RUNNING = "RUNNING";
  public static final String EXITED = "EXITED";

  static ReplicaRecord assigned(ReplicaSlot slot) {
    return new ReplicaRecord(slot, ASSIGNED, null, null, null, null, null, null);
  }

  public boolean terminal() {
    return EXITED.equals(phase);
  }

  public boolean succeeded() {
    return terminal() && "COMPLETED".equals(termination) && exitCode != null && exitCode == 0;
  }

  ReplicaRecord started(Long pid, Instant at) {
    return new ReplicaRecord(slot, RUNNING, pid, null, null, null, at, null);
  }

  ReplicaRecord exited(Integer exitCode, String termination, String message, Instant at) {
    return new ReplicaRecord(slot, EXITED, pid, exitCode, termination, message, startedAt, at);
  }

  public String node() {
    return slot.node();
  }

  public String allocationId() {
    return slot.allocationId();
  }

  public List<Integer> gpus() {
    return slot.gpuIndices();
  }
}
