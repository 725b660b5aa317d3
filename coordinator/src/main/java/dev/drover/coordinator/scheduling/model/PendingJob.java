package dev.drover.coordinator.scheduling.model;

import java.time.Instant;
import java.util.Objects;

/** A job waiting for placement: one attempt of a gang of identical replicas. */
public record PendingJob(
        String jobId,
        int attempt,
        String queue,
        int priority,
        long submitSeq,
        Instant submittedAt,
        int replicas,
        int gpusPerReplica,
        double cpusPerReplica,
        long memoryPerReplica) {

    public PendingJob {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(submittedAt, "submittedAt");
        if (replicas < 1) {
            throw new IllegalArgumentException("job " + jobId + " needs at least one replica: " + replicas);
        }
        if (gpusPerReplica < 0 || cpusPerReplica < 0 || memoryPerReplica < 0) {
            throw new IllegalArgumentException("job " + jobId + " asks for negative resources");
        }
    }

    /** GPUs of the whole gang. */
    public long totalGpus() {
        return (long) replicas * gpusPerReplica;
    }
}
