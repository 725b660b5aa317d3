package dev.drover.coordinator.scheduling.plugin;

import dev.drover.coordinator.scheduling.model.PendingJob;

/** A stage that ranks a node that passed every filter for the next replica; higher is better. */
public interface NodeScorer {

    /** Stable name, used in diagnostics. */
    String name();

    /** A normalized score in [0, 100] for placing the next replica of {@code job} on {@code node}. */
    double score(PendingJob job, NodeState node, GangView gang);
}
