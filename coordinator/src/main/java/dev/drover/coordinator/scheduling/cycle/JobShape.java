package dev.drover.coordinator.scheduling.cycle;

import dev.drover.coordinator.scheduling.model.PendingJob;

/**
 * What a job asks for, without who asks. Within one allocate pass capacity only shrinks, so a shape that
 * failed once fails again, and its diagnosis can be shared.
 */
public record JobShape(int replicas, int gpusPerReplica, double cpusPerReplica, long memoryPerReplica) {

    public static JobShape of(PendingJob job) {
        return new JobShape(job.replicas(), job.gpusPerReplica(), job.cpusPerReplica(), job.memoryPerReplica());
    }
}
