package dev.drover.coordinator.scheduling.action;

import dev.drover.coordinator.scheduling.cycle.ClusterState;
import dev.drover.coordinator.scheduling.cycle.CycleSession;
import dev.drover.coordinator.scheduling.cycle.ReplicaClaim;
import dev.drover.coordinator.scheduling.cycle.Reservation;
import dev.drover.coordinator.scheduling.cycle.Statement;
import dev.drover.coordinator.scheduling.model.PendingJob;
import dev.drover.coordinator.scheduling.model.Placement;
import dev.drover.coordinator.scheduling.model.ReplicaPlacement;
import dev.drover.coordinator.scheduling.model.RunningJob;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * EASY backfill. The first gang allocate could not start gets a reservation at the earliest time it fits,
 * found by replaying when running gangs must end (startedAt + maxRuntime; a gang without one never ends
 * here); the free part of that placement is held. Later jobs then start only where they do not delay it:
 * on capacity the reservation does not need, or, if their own maxRuntime ends by the reserved start, on
 * any free capacity. A job without a maxRuntime never backfills into a reservation.
 */
public final class Backfill extends EscalatingAction {
    public static final String NAME = "backfill";

    /** Without escalation: a blocked job only waits. */
    public Backfill() {
        super();
    }

    /** Escalates a job blocked for capacity, at its turn, to each action in order (reclaim, then preempt). */
    public Backfill(Reclaim reclaim, Preempt preempt) {
        super(reclaim, preempt);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void execute(CycleSession session) {
        PendingJob head = session.blockedHead();
        if (head == null || !session.config().backfill() || session.isPlaced(head.jobId())) {
            return;
        }
        Reservation reservation = reserve(head, session);
        if (reservation != null) {
            session.reserve(reservation);
        }
        PlacementAttempt longJobs = new PlacementAttempt(session, escalations);
        PlacementAttempt shortJobs = new PlacementAttempt(session, escalations);
        for (PendingJob job = session.nextInOrder(); job != null; job = session.nextInOrder()) {
            if (reservation != null && endsBy(job, session.now(), reservation.start())) {
                session.holds().suspend(head.jobId());
                shortJobs.attempt(job);
                session.holds().resume(head.jobId());
            } else {
                longJobs.attempt(job);
            }
        }
    }

    private static boolean endsBy(PendingJob job, Instant now, Instant start) {
        return job.maxRuntime() != null && !now.plus(job.maxRuntime()).isAfter(start);
    }

    /** The earliest time the head fits as running gangs end, and where; null when it never does by this reckoning. */
    static Reservation reserve(PendingJob head, CycleSession session) {
        Instant now = session.now();
        TreeMap<Instant, List<Release>> ends = new TreeMap<>();
        for (RunningJob job : session.running()) {
            Instant end;
            if (job.terminating()) {
                if (session.isPromisedToPending(job)) {
                    continue; // its capacity goes to the job that preempted it
                }
                end = now;
            } else if (job.deadline() != null) {
                end = job.deadline().isBefore(now) ? now : job.deadline();
            } else {
                continue;
            }
            ends.computeIfAbsent(end, e -> new ArrayList<>())
                    .add(new Release(job.placements(), job.cpusPerReplica(), job.memoryPerReplica()));
        }
        for (PendingJob placed : session.placedJobs()) {
            if (placed.maxRuntime() != null) {
                Placement placement = session.placementOf(placed.jobId());
                ends.computeIfAbsent(now.plus(placed.maxRuntime()), e -> new ArrayList<>())
                        .add(new Release(placement.replicas(), placed.cpusPerReplica(), placed.memoryPerReplica()));
            }
        }
        ClusterState state = session.state();
        Statement timeline = state.statement();
        try {
            for (Map.Entry<Instant, List<Release>> end : ends.entrySet()) {
                for (Release release : end.getValue()) {
                    for (ReplicaPlacement replica : release.replicas()) {
                        if (state.node(replica.node()) != null) {
                            timeline.release(state.node(replica.node()), replica.gpuIndices(), release.cpus(), release.memory());
                        }
                    }
                }
                if (head.gpusPerReplica() > state.largestFreeGpus() || head.totalGpus() > state.totalFreeGpus()) {
                    continue;
                }
                List<ReplicaClaim> claims = GangPlacement.trial(head, session, timeline);
                if (claims != null) {
                    return new Reservation(head.jobId(), end.getKey(), claims);
                }
            }
            return null;
        } finally {
            timeline.discard();
        }
    }

    private record Release(List<ReplicaPlacement> replicas, double cpus, long memory) {
    }
}
