package dev.drover.coordinator.scheduling.action;

import dev.drover.coordinator.scheduling.cycle.ClusterState;
import dev.drover.coordinator.scheduling.cycle.CycleSession;
import dev.drover.coordinator.scheduling.cycle.Holds;
import dev.drover.coordinator.scheduling.cycle.JobShape;
import dev.drover.coordinator.scheduling.cycle.ReplicaClaim;
import dev.drover.coordinator.scheduling.cycle.Statement;
import dev.drover.coordinator.scheduling.model.PendingJob;
import dev.drover.coordinator.scheduling.model.PendingReason;
import dev.drover.coordinator.scheduling.model.Placement;
import dev.drover.coordinator.scheduling.model.Quantities;
import dev.drover.coordinator.scheduling.model.QueueView;
import dev.drover.coordinator.scheduling.model.RunningJob;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One job's turn in the allocate and backfill passes: the quota check, the feasibility check, a gang
 * placement on free capacity, and otherwise the reason it waits. Failures are cached by shape, since
 * capacity only shrinks within one pass.
 */
final class PlacementAttempt {

    /** How a turn ended. */
    enum Outcome {
        /** The gang was placed. */
        PLACED,
        /** Free capacity is too small: the job backfill reserves for, if it comes first. */
        BLOCKED,
        /** The job waits for something other than free capacity (quota, preemption, holds, a port) or never fits. */
        WAITING
    }

    private final CycleSession session;
    private final List<PreemptingAction> escalations;
    /** Shapes that did not fit, mapped to whether they would have fitted without the holds of other jobs. */
    private final Map<JobShape, Boolean> failedShapes = new HashMap<>();

    PlacementAttempt(CycleSession session, List<PreemptingAction> escalations) {
        this.session = session;
        this.escalations = escalations;
    }

    Outcome attempt(PendingJob job) {
        if (session.isPlaced(job.jobId())) {
            return Outcome.PLACED;
        }
        QueueView overQuota = session.usage().quotaBlocker(job.queue(), job.totalGpus(), 0);
        if (overQuota != null) {
            session.explain(job.jobId(), quotaExceeded(job, overQuota));
            return Outcome.WAITING;
        }
        if (!session.feasibility(job).feasible()) {
            return Outcome.WAITING;
        }
        JobShape shape = JobShape.of(job);
        Boolean fitsWithoutHolds = failedShapes.get(shape);
        if (fitsWithoutHolds == null) {
            if (fitsFreeCapacityQuickly(job)) {
                Optional<Placement> placement = GangPlacement.place(job, session);
                if (placement.isPresent()) {
                    session.place(job, placement.get());
                    return Outcome.PLACED;
                }
                if (session.isExplained(job.jobId())) {
                    // A port shortage depends on the nodes chosen, not on the shape alone: do not generalize it.
                    return Outcome.WAITING;
                }
            }
            fitsWithoutHolds = !session.holds().isEmpty() && fitsWithoutHolds(job);
            failedShapes.put(shape, fitsWithoutHolds);
        }
        List<RunningJob> stopping = session.stoppingFor(job.jobId());
        if (!stopping.isEmpty()) {
            waitForVictims(job, stopping);
            return Outcome.WAITING;
        }
        if (fitsWithoutHolds) {
            session.explain(job.jobId(), new PendingReason(PendingReason.RESERVED_FOR_HIGHER_PRIORITY,
                    JobShape.of(job).describe() + " would fit, but the free GPUs it needs are held for "
                            + String.join(", ", session.holds().holders()), Map.of()));
            return Outcome.WAITING;
        }
        for (PreemptingAction escalation : escalations) {
            if (escalation.tryFor(session, job)) {
                return Outcome.WAITING;
            }
        }
        return Outcome.BLOCKED;
    }

    /**
     * A preemptor whose victims are still stopping neither preempts more nor lets lower jobs take what it
     * will use: the free part of its placement, counted with its victims' capacity, is held for it.
     */
    private void waitForVictims(PendingJob job, List<RunningJob> stopping) {
        Statement trial = session.state().statement();
        for (RunningJob victim : stopping) {
            VictimSelection.release(session.state(), trial, victim);
        }
        List<ReplicaClaim> claims = GangPlacement.trial(job, session, trial);
        trial.discard();
        if (claims != null) {
            session.holds().hold(job.jobId(), claims);
        }
        session.usage().add(job.queue(), job.totalGpus(), job.replicas() * job.cpusPerReplica(),
                (long) job.replicas() * job.memoryPerReplica());
        session.explain(job.jobId(), CycleSession.waitingForPreemption(stopping));
    }

    private boolean fitsFreeCapacityQuickly(PendingJob job) {
        ClusterState state = session.state();
        return job.gpusPerReplica() <= state.largestFreeGpus() && job.totalGpus() <= state.totalFreeGpus();
    }

    /** Whether the gang would fit if no capacity were held for other jobs; everything is put back as it was. */
    private boolean fitsWithoutHolds(PendingJob job) {
        Holds holds = session.holds();
        List<String> suspended = holds.suspendAll();
        try {
            if (!fitsFreeCapacityQuickly(job)) {
                return false;
            }
            Statement trial = session.state().statement();
            List<ReplicaClaim> claims = GangPlacement.trial(job, session, trial);
            trial.discard();
            return claims != null;
        } finally {
            holds.resume(suspended);
        }
    }

    private PendingReason quotaExceeded(PendingJob job, QueueView queue) {
        long used = session.usage().gpusUsed(queue.name());
        long left = Math.max(0, queue.limitGpus() - used);
        String message = "needs " + Quantities.gpus(job.totalGpus()) + " but queue " + queue.name() + " has " + left
                + " of its " + (queue.guaranteedGpus() + (long) queue.borrowLimitGpus()) + " guaranteed + borrowable left";
        return new PendingReason(PendingReason.QUOTA_EXCEEDED, message, Map.of()).withQuota(session.usage().quotaText(queue.name()));
    }
}
