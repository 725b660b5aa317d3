package dev.drover.coordinator.api;

import dev.drover.coordinator.job.JobEntity;
import dev.drover.coordinator.job.ReplicaRecord;
import dev.drover.coordinator.scheduling.model.PendingReason;
import dev.drover.protocol.api.JobState;
import dev.drover.protocol.api.PendingInfo;
import java.util.Map;
import dev.drover.protocol.api.JobView;
import dev.drover.protocol.api.ReplicaView;
import java.time.Instant;
import java.util.List;

/** Maps a job's entity state to what the API shows, including why it is still pending. */
final class JobViews {
  private JobViews() {}

  static JobView view(JobEntity.State s, PendingReason schedulerReason, Instant now) {
    String reason = null;
    PendingInfo pending = null;
    if (s.phase() == JobState.PENDING) {
      if (s.notBefore() != null && s.notBefore().isAfter(now)) {
        reason = "restart backoff until " + s.notBefore() + " (attempt " + s.attempt() + ")"
            + (s.message() == null ? "" : "; " + s.message());
        pending = new PendingInfo("RESTART_BACKOFF", reason, Map.of(), 0, null, s.notBefore());
      } else if (schedulerReason != null) {
        reason = schedulerReason.message();
        pending = new PendingInfo(schedulerReason.code(), schedulerReason.message(), schedulerReason.rejectedNodesByFilter(),
            schedulerReason.queuePosition(), schedulerReason.quota(), schedulerReason.estimatedStart());
      } else {
        reason = "queued; waiting for the next scheduling cycle";
        pending = new PendingInfo("QUEUED", reason, Map.of(), 0, null, null);
      }
    }
    List<ReplicaView> replicas = s.replicas().stream().map(JobViews::replica).toList();
    return new JobView(s.jobId(), s.spec().name(), s.spec().queue(), s.spec().priority(), s.owner(), s.phase(), s.attempt(),
        s.restarts(), s.spec().replicas(), s.spec().resources().gpus(), reason, s.message(), s.submittedAt(), s.startedAt(),
        s.finishedAt(), s.spec(), replicas, pending);
  }

  private static ReplicaView replica(ReplicaRecord r) {
    return new ReplicaView(r.slot().rank(), r.allocationId(), r.node(), r.slot().gpuIndices(), r.slot().gpuUuids(), r.phase(),
        r.pid(), r.exitCode(), r.termination(), r.message(), r.startedAt(), r.finishedAt());
  }
}
