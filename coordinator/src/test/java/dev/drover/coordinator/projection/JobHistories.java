package dev.drover.coordinator.projection;

import dev.drover.coordinator.job.JobEntity;
import dev.drover.coordinator.job.ReplicaSlot;
import dev.drover.protocol.spec.JobSpec;
import dev.drover.protocol.spec.JobSpecs;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/** Event histories of jobs for read-model tests and the job index bench: what a finished job journals. */
final class JobHistories {
  private JobHistories() {}

  static final Instant T0 = Instant.parse("2026-11-20T08:00:00Z");

  static final JobSpec SPEC;

  static {
    String yaml = "name: train\nqueue: research\nresources: {gpus: 2}\ncommand: [python, train.py]\n"
        + "env: {NCCL_DEBUG: INFO}\nrestartPolicy: {maxRestarts: 1, backoff: 0s}\n";
    try {
      SPEC = JobSpecs.parseValidated(yaml.getBytes(StandardCharsets.UTF_8), JobSpecs.Format.YAML);
    } catch (Exception e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  static String jobId(int n) {
    return String.format("j-%016x", 0x5eed0000L + n);
  }

  /** Submitted, placed on one node, ran, exited 0, succeeded, released: six events, sequence numbers 1 to 6. */
  static List<JobEntity.Event> succeeded(String jobId, Instant submittedAt) {
    String alloc = ReplicaSlot.allocationId(jobId, 1, 0);
    ReplicaSlot slot = new ReplicaSlot(0, alloc, "gpu-node-01", "10.0.0.1", List.of(0, 1), List.of("GPU-a", "GPU-b"), 0, 0, 1);
    return List.of(
        new JobEntity.JobSubmitted(jobId, SPEC, "alice", null, submittedAt),
        new JobEntity.JobScheduled(jobId, 1, List.of(slot), "10.0.0.1", 29500, 1, submittedAt.plusSeconds(1)),
        new JobEntity.ReplicaStarted(jobId, 1, 0, alloc, "gpu-node-01", 4242L, submittedAt.plusSeconds(2)),
        new JobEntity.ReplicaExited(jobId, 1, 0, alloc, "gpu-node-01", 0, "COMPLETED", null, submittedAt.plusSeconds(60)),
        new JobEntity.JobSucceeded(jobId, 1, submittedAt.plusSeconds(60)),
        new JobEntity.AttemptReleased(jobId, 1, submittedAt.plusSeconds(61)));
  }

  /** The state after the first {@code n} events, folded straight through (no sequence numbers). */
  static JobEntity.State stateAfter(List<JobEntity.Event> events, int n) {
    JobEntity.State s = JobEntity.State.empty();
    for (int i = 0; i < n; i++) s = s.apply(events.get(i));
    return s;
  }
}
