package dev.drover.coordinator.scheduling.cycle;

/**
 * How a cycle searches for a replica's node and for the victims preemption may drop. Both give the same plan
 * for the same snapshot: the index is what production runs, the full scan is the plain reference the tests
 * check it against.
 */
public enum NodeSearch {
    /**
     * Visit schedulable nodes by free-GPU count, fewest sufficient first, and stop once the scorers' upper
     * bounds say no node left can beat, or tie with a lower name, the best found; try dropping victims on one
     * statement that keeps the releases the trials share.
     */
    INDEXED,
    /** Filter and score every schedulable node with enough free GPUs, in name order; release each victim set from scratch. */
    FULL_SCAN
}
