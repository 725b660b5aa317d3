package dev.drover.coordinator.api;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.drover.coordinator.job.JobEntity;
import dev.drover.protocol.Json;
import dev.drover.protocol.api.JobEventView;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** Turns a journaled job event into one readable line of history plus its fields. */
final class JobHistory {
  private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {};

  private JobHistory() {}

  static JobEventView view(long seq, JobEntity.Event e) {
    Map<String, Object> details = Json.mapper().convertValue(e, MAP);
    details.remove("jobId");
    details.remove("at");
    return new JobEventView(seq, e.getClass().getSimpleName(), e.at(), summary(e), details);
  }

  static String summary(JobEntity.Event event) {
    if (event instanceof JobEntity.JobSubmitted e) {
      return "submitted by " + e.owner() + ": " + e.spec().replicas() + " x " + e.spec().resources().gpus() + " GPU(s) in queue "
          + e.spec().queue();
    } else if (event instanceof JobEntity.JobScheduled e) {
      return "attempt " + e.attempt() + " scheduled: " + e.slots().stream()
          .map(s -> "rank " + s.rank() + " on " + s.node() + " GPUs " + s.gpuIndices())
          .collect(Collectors.joining(", ")) + "; master " + e.masterAddr() + ":" + e.masterPort();
    } else if (event instanceof JobEntity.ReplicaStarted e) {
      return "replica " + e.rank() + " started on " + e.node() + (e.pid() == null ? "" : " (pid " + e.pid() + ")");
    } else if (event instanceof JobEntity.ReplicaExited e) {
      return "replica " + e.rank() + " on " + e.node() + " ended: " + e.termination()
          + (e.exitCode() == null ? "" : ", exit code " + e.exitCode())
          + (e.message() == null || e.message().startsWith("exit code") ? "" : " (" + e.message() + ")");
    } else if (event instanceof JobEntity.GangStopping e) {
      return "stopping the gang (" + e.intent().name().toLowerCase(java.util.Locale.ROOT) + "): " + e.reason();
    } else if (event instanceof JobEntity.JobCancelRequested e) {
      return "cancel requested by " + e.by();
    } else if (event instanceof JobEntity.JobRequeued e) {
      return "requeued as attempt " + e.attempt() + (e.countsAsRestart() ? "" : " (not counted as a restart)") + ": " + e.reason();
    } else if (event instanceof JobEntity.JobSucceeded e) {
      return "succeeded (attempt " + e.attempt() + ")";
    } else if (event instanceof JobEntity.JobFailed e) {
      return "failed: " + e.reason();
    } else if (event instanceof JobEntity.JobCancelled e) {
      return "cancelled by " + e.by();
    } else if (event instanceof JobEntity.AttemptReleased e) {
      return "attempt " + e.attempt() + " released its GPUs";
    }
    return event.getClass().getSimpleName();
  }
}
