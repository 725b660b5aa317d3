package dev.drover.coordinator.scheduling.plugin;

import dev.drover.coordinator.scheduling.model.PendingJob;

/** A stage that ranks a node that passed every filter for the next replica; higher is better. */
public interface NodeScorer {

    /** Stable name, used in diagnostics. */
    String name();

    /** A normalized score in [0, 100] for placing the next replica of {@code job} on {@code node}. */
    double score(PendingJob job, NodeState node, GangView gang);

    /**
     * An upper bound of {@link #score} for the next replica of {@code job} over every node that has
     * {@code freeGpuCount} free GPUs and holds no replica of {@code gang} yet. The cycle visits nodes by free
     * GPU count and stops once no node left can reach the best score found, so a bound must never be below
     * a score; the default, infinity, makes the cycle visit every node, as a scorer that cannot say gets.
     */
    default double upperBound(PendingJob job, int freeGpuCount, GangView gang) {
        return Double.POSITIVE_INFINITY;
    }
}
