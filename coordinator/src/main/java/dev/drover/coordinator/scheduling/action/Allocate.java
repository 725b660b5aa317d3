package dev.drover.coordinator.scheduling.action;

import dev.drover.coordinator.scheduling.cycle.ClusterState;
import dev.drover.coordinator.scheduling.cycle.CycleSession;
import dev.drover.coordinator.scheduling.cycle.JobShape;
import dev.drover.coordinator.scheduling.model.PendingJob;
import dev.drover.coordinator.scheduling.model.Placement;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Places pending gangs on free capacity, in job order, without disturbing anything running. A job that
 * cannot be placed does not hold back lower-priority jobs: there are no reservations yet (backfill and
 * preemption come as later actions), and the blocked job's reason says what it waits for.
 */
public final class Allocate implements Action {
    public static final String NAME = "allocate";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void execute(CycleSession session) {
        ClusterState state = session.state();
        // Capacity only shrinks during this pass, so a shape that failed once would fail again.
        Set<JobShape> failedShapes = new HashSet<>();
        for (PendingJob job : session.pendingInOrder()) {
            if (session.isPlaced(job.jobId())) {
                continue;
            }
            JobShape shape = JobShape.of(job);
            if (failedShapes.contains(shape)) {
                continue;
            }
            if (job.gpusPerReplica() > state.largestFreeGpus() || job.totalGpus() > state.totalFreeGpus()) {
                failedShapes.add(shape);
                continue;
            }
            Optional<Placement> placement = GangPlacement.place(job, session);
            if (placement.isPresent()) {
                session.place(job, placement.get());
            } else if (!session.isExplained(job.jobId())) {
                // A port shortage depends on the nodes chosen, not on the shape alone: do not generalize it.
                failedShapes.add(shape);
            }
        }
    }
}
