package dev.drover.coordinator.scheduling.action;

import dev.drover.coordinator.scheduling.cycle.CycleSession;
import dev.drover.coordinator.scheduling.model.PendingJob;

/**
 * Places pending gangs on free capacity, in cycle order, without disturbing anything running. It stops at
 * the first gang blocked for capacity alone when backfill is on, so that backfill reserves for it before
 * anything lower starts (so a cycle with backfill on lists {@link Backfill} after it); with backfill off it
 * goes on and a blocked job holds nothing back.
 */
public final class Allocate extends EscalatingAction {
    public static final String NAME = "allocate";

    /** Without escalation: a blocked job only waits. */
    public Allocate() {
        super();
    }

    /** Escalates a job blocked for capacity, at its turn, to each action in order (reclaim, then preempt). */
    public Allocate(Reclaim reclaim, Preempt preempt) {
        super(reclaim, preempt);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void execute(CycleSession session) {
        PlacementAttempt attempts = new PlacementAttempt(session, escalations);
        for (PendingJob job = session.nextInOrder(); job != null; job = session.nextInOrder()) {
            if (attempts.attempt(job) == PlacementAttempt.Outcome.BLOCKED && session.blockedHead() == null) {
                session.blockedHead(job);
                if (session.config().backfill()) {
                    return;
                }
            }
        }
    }
}
