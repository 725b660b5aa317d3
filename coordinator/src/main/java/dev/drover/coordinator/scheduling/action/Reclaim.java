package dev.drover.coordinator.scheduling.action;

import dev.drover.coordinator.scheduling.cycle.CycleSession;
import dev.drover.coordinator.scheduling.cycle.QueueUsage;
import dev.drover.coordinator.scheduling.model.PendingJob;
import dev.drover.coordinator.scheduling.model.Preemption;
import dev.drover.coordinator.scheduling.model.QueueView;
import dev.drover.coordinator.scheduling.model.RunningJob;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Reclaim: a blocked job whose queue stays within its guarantee once the job runs takes back GPUs lent to
 * other queues, by stopping gangs of queues over their guarantee (whatever their priority, preemptible or
 * not), never taking such a queue below its own guarantee.
 */
public final class Reclaim extends PreemptingAction {
    public static final String NAME = "reclaim";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    boolean eligible(CycleSession session, PendingJob job) {
        QueueView queue = session.usage().queue(job.queue());
        return job.totalGpus() > 0 && session.usage().gpusUsed(job.queue()) + job.totalGpus() <= queue.guaranteedGpus();
    }

    @Override
    boolean mayStop(CycleSession session, PendingJob job, RunningJob victim) {
        QueueUsage usage = session.usage();
        return victim.totalGpus() > 0 && !usage.related(victim.queue(), job.queue())
                && borrowed(usage, victim.queue()) >= victim.totalGpus();
    }

    @Override
    Predicate<List<RunningJob>> allowedSet(CycleSession session, PendingJob job) {
        QueueUsage usage = session.usage();
        return victims -> {
            Map<String, Long> taken = new HashMap<>();
            for (RunningJob victim : victims) {
                if (taken.merge(victim.queue(), victim.totalGpus(), Long::sum) > borrowed(usage, victim.queue())) {
                    return false;
                }
            }
            return true;
        };
    }

    /** GPUs the queue holds beyond its guarantee. */
    private static long borrowed(QueueUsage usage, String queue) {
        return usage.gpusUsed(queue) - usage.queue(queue).guaranteedGpus();
    }

    @Override
    String reasonCode() {
        return Preemption.RECLAIM;
    }

    @Override
    String message(CycleSession session, PendingJob job, RunningJob victim) {
        QueueUsage usage = session.usage();
        return "reclaimed for job " + job.jobId() + ": queue " + job.queue() + " uses " + usage.gpusUsed(job.queue()) + " of "
                + usage.queue(job.queue()).guaranteedGpus() + " guaranteed GPUs, queue " + victim.queue() + " borrows "
                + borrowed(usage, victim.queue()) + " beyond its guarantee";
    }
}
