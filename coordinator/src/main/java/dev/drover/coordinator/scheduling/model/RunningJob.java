package dev.drover.coordinator.scheduling.model;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A gang running (or being stopped) at the start of a cycle: what it holds, how long it may run, and its
 * preemption history. Its GPUs are also in the nodes' {@code allocatedGpus}.
 */
public record RunningJob(
        String jobId,
        int attempt,
        String queue,
        int priority,
        boolean preemptible,
        Instant startedAt,
        Duration maxRuntime,
        int replicas,
        int gpusPerReplica,
        double cpusPerReplica,
        long memoryPerReplica,
        List<ReplicaPlacement> placements,
        boolean terminating,
        int preemptionsLastHour,
        Set<String> preemptedBy) {

    public RunningJob {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(startedAt, "startedAt");
        placements = List.copyOf(placements);
        preemptedBy = Set.copyOf(preemptedBy);
        if (replicas < 1 || gpusPerReplica < 0 || cpusPerReplica < 0 || memoryPerReplica < 0) {
            throw new IllegalArgumentException("running job " + jobId + " has an impossible shape");
        }
    }

    /** GPUs of the whole gang. */
    public long totalGpus() {
        return (long) replicas * gpusPerReplica;
    }

    /** When it must have ended, or null when it may run forever. */
    public Instant deadline() {
        return maxRuntime == null ? null : startedAt.plus(maxRuntime);
    }

    /** GPU-hours of work lost if it is stopped at {@code now}: the cost preemption minimises. */
    public double gpuHoursLostAt(Instant now) {
        double hours = Math.max(0, Duration.between(startedAt, now).toMillis()) / 3_600_000.0;
        return totalGpus() * hours;
    }
}
