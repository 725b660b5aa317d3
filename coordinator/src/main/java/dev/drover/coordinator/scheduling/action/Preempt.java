package dev.drover.coordinator.scheduling.action;

import dev.drover.coordinator.scheduling.cycle.CycleSession;
import dev.drover.coordinator.scheduling.model.PendingJob;
import dev.drover.coordinator.scheduling.model.Preemption;
import dev.drover.coordinator.scheduling.model.RunningJob;
import java.util.List;
import java.util.function.Predicate;

/**
 * Priority preemption, the most disruptive action: a blocked job stops preemptible gangs of strictly
 * lower priority in its own queue. Across queues only reclaim moves GPUs, so a queue never borrows by
 * preempting another, and two queues cannot take GPUs back and forth.
 */
public final class Preempt extends PreemptingAction {
    public static final String NAME = "preempt";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    boolean eligible(CycleSession session, PendingJob job) {
        return true;
    }

    @Override
    boolean mayStop(CycleSession session, PendingJob job, RunningJob victim) {
        return victim.preemptible() && victim.priority() < job.priority() && victim.queue().equals(job.queue());
    }

    @Override
    Predicate<List<RunningJob>> allowedSet(CycleSession session, PendingJob job) {
        return victims -> true;
    }

    @Override
    String reasonCode() {
        return Preemption.PRIORITY;
    }

    @Override
    String message(CycleSession session, PendingJob job, RunningJob victim) {
        return "preempted for job " + job.jobId() + " of higher priority (" + job.priority() + " > " + victim.priority()
                + ") in queue " + job.queue();
    }
}
