package dev.drover.coordinator.scheduling.model;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A job waiting for placement: one attempt of a gang of identical replicas, with its placement constraints
 * (labels every node must have, labels it would rather have, pack or spread), its preemption history and, when
 * the scheduler has one, an estimate of how long it will run (learned from finished jobs, never declared by the job).
 */
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
        long memoryPerReplica,
        boolean preemptible,
        Duration maxRuntime,
        Map<String, String> requiredLabels,
        Map<String, String> preferredLabels,
        PlacementStrategy strategy,
        Set<String> preemptedBy,
        Duration expectedRuntime) {

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
        if (maxRuntime != null && (maxRuntime.isNegative() || maxRuntime.isZero())) {
            throw new IllegalArgumentException("job " + jobId + " needs a positive maxRuntime: " + maxRuntime);
        }
        requiredLabels = Map.copyOf(requiredLabels);
        preferredLabels = Map.copyOf(preferredLabels);
        strategy = strategy == null ? PlacementStrategy.PACK : strategy;
        preemptedBy = Set.copyOf(preemptedBy);
        if (expectedRuntime != null && expectedRuntime.isNegative()) {
            throw new IllegalArgumentException("job " + jobId + " has a negative expectedRuntime: " + expectedRuntime);
        }
    }

    /** A job without a runtime estimate. */
    public PendingJob(String jobId, int attempt, String queue, int priority, long submitSeq, Instant submittedAt, int replicas,
                      int gpusPerReplica, double cpusPerReplica, long memoryPerReplica, boolean preemptible, Duration maxRuntime,
                      Map<String, String> requiredLabels, Map<String, String> preferredLabels, PlacementStrategy strategy,
                      Set<String> preemptedBy) {
        this(jobId, attempt, queue, priority, submitSeq, submittedAt, replicas, gpusPerReplica, cpusPerReplica, memoryPerReplica,
                preemptible, maxRuntime, requiredLabels, preferredLabels, strategy, preemptedBy, null);
    }

    /** A job with no constraints: not preemptible, no runtime limit, no labels, packed, never preempted. */
    public PendingJob(String jobId, int attempt, String queue, int priority, long submitSeq, Instant submittedAt, int replicas,
                      int gpusPerReplica, double cpusPerReplica, long memoryPerReplica) {
        this(jobId, attempt, queue, priority, submitSeq, submittedAt, replicas, gpusPerReplica, cpusPerReplica,
                memoryPerReplica, false, null, Map.of(), Map.of(), PlacementStrategy.PACK, Set.of(), null);
    }

    /** This job with the given runtime estimate (null: none). */
    public PendingJob withExpectedRuntime(Duration estimate) {
        return new PendingJob(jobId, attempt, queue, priority, submitSeq, submittedAt, replicas, gpusPerReplica, cpusPerReplica,
                memoryPerReplica, preemptible, maxRuntime, requiredLabels, preferredLabels, strategy, preemptedBy, estimate);
    }

    /** GPUs of the whole gang. */
    public long totalGpus() {
        return (long) replicas * gpusPerReplica;
    }
}
