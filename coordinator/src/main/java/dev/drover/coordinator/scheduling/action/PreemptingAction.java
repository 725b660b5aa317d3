package dev.drover.coordinator.scheduling.action;

import dev.drover.coordinator.scheduling.cycle.CycleSession;
import dev.drover.coordinator.scheduling.cycle.JobShape;
import dev.drover.coordinator.scheduling.cycle.Reservation;
import dev.drover.coordinator.scheduling.model.PendingJob;
import dev.drover.coordinator.scheduling.model.RunningJob;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * What reclaim and preempt share: for a job blocked for capacity, find the running gangs it may stop,
 * choose the cheapest set that lets it fit, and record the preemptions. The preemptor is not placed in
 * this cycle (its victims must stop first); the free part of what it will use is held for it. The allocate
 * and backfill passes escalate a blocked job to reclaim, then preempt, at its turn in the order, so its
 * hold is in place before lower jobs are tried; run as actions, they try whatever is left.
 */
abstract class PreemptingAction implements Action {

    /** Whether {@code job} may stop anything through this action at all. */
    abstract boolean eligible(CycleSession session, PendingJob job);

    /** Whether {@code victim} may be stopped for {@code job} by this action, the common victim rules aside. */
    abstract boolean mayStop(CycleSession session, PendingJob job, RunningJob victim);

    /** Whether stopping {@code victims} together for {@code job} is allowed (e.g. no queue below its guarantee). */
    abstract Predicate<List<RunningJob>> allowedSet(CycleSession session, PendingJob job);

    abstract String reasonCode();

    abstract String message(CycleSession session, PendingJob job, RunningJob victim);

    /** Tries every job still blocked for capacity that no earlier action escalated to this one, in cycle order. */
    @Override
    public void execute(CycleSession session) {
        for (PendingJob job : session.pendingInOrder()) {
            if (!session.isPlaced(job.jobId()) && !session.isExplained(job.jobId())) {
                tryFor(session, job);
            }
        }
    }

    /**
     * Tries to stop running gangs so that {@code job}, blocked for capacity, fits once they have stopped;
     * true when preemptions were recorded. Each job is searched at most once per cycle by each action.
     */
    boolean tryFor(CycleSession session, PendingJob job) {
        if (!session.config().preemption() || !session.markSearched(name(), job.jobId()) || !session.feasibility(job).feasible()
                || !session.stoppingFor(job.jobId()).isEmpty() || !eligible(session, job)) {
            return false;
        }
        // Capacity, holds and candidates only shrink during a cycle, so a search that failed fails again.
        Set<Object> failed = session.failedSearches(name());
        SearchKey key = job.preemptedBy().isEmpty() ? new SearchKey(JobShape.of(job), job.queue(), job.priority()) : null;
        if (key != null && failed.contains(key)) {
            return false;
        }
        List<RunningJob> candidates = new ArrayList<>();
        for (RunningJob victim : session.running()) {
            if (victimRulesAllow(session, job, victim) && mayStop(session, job, victim)) {
                candidates.add(victim);
            }
        }
        Reservation reservation = session.reservation();
        boolean reserved = reservation != null && reservation.jobId().equals(job.jobId());
        if (reserved) {
            session.holds().suspend(job.jobId()); // the job may use its own reservation
        }
        VictimSelection.Choice choice = candidates.isEmpty() ? null
                : VictimSelection.choose(session, job, candidates, allowedSet(session, job));
        if (choice == null) {
            if (reserved) {
                session.holds().resume(job.jobId());
            }
            if (key != null) {
                failed.add(key);
            }
            return false;
        }
        List<String> messages = new ArrayList<>();
        for (RunningJob victim : choice.victims()) {
            messages.add(message(session, job, victim));
        }
        session.preempt(job, choice.victims(), reasonCode(), messages, choice.claims());
        return true;
    }

    /**
     * The rules every victim obeys: not already stopping or promised, run at least the minimum time, not
     * preempted too often in the last hour, and never a job that once preempted the preemptor (no cycles).
     */
    private static boolean victimRulesAllow(CycleSession session, PendingJob job, RunningJob victim) {
        Duration ran = Duration.between(victim.startedAt(), session.now());
        return !session.isClaimed(victim)
                && ran.compareTo(session.config().minRuntimeBeforePreemption()) >= 0
                && victim.preemptionsLastHour() < session.config().maxPreemptionsPerJobPerHour()
                && !job.preemptedBy().contains(victim.jobId());
    }

    private record SearchKey(JobShape shape, String queue, int priority) {
    }
}
