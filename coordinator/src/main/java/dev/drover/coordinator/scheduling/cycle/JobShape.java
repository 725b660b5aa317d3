package dev.drover.coordinator.scheduling.cycle;

import dev.drover.coordinator.scheduling.model.PendingJob;
import dev.drover.coordinator.scheduling.model.Quantities;
import java.util.Map;

/**
 * What a job asks for, without who asks: the gang's size and the labels its nodes must have. Within one
 * pass capacity only shrinks, so a shape that failed once fails again, and its diagnosis can be shared.
 */
public record JobShape(int replicas, int gpusPerReplica, double cpusPerReplica, long memoryPerReplica,
                       Map<String, String> requiredLabels) {

    public static JobShape of(PendingJob job) {
        return new JobShape(job.replicas(), job.gpusPerReplica(), job.cpusPerReplica(), job.memoryPerReplica(),
                job.requiredLabels());
    }

    /** "gang of 2 x 4 GPUs", "replica of 8 GPUs", "gang of 3 x 4 CPUs and 16 GiB". */
    public String describe() {
        String perReplica;
        if (gpusPerReplica > 0) {
            perReplica = Quantities.gpus(gpusPerReplica);
        } else {
            perReplica = Quantities.cpus(cpusPerReplica) + " and " + Quantities.memory(memoryPerReplica);
        }
        return replicas == 1 ? "replica of " + perReplica : "gang of " + replicas + " x " + perReplica;
    }
}
