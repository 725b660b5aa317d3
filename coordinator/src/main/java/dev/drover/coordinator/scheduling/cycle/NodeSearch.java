package dev.drover.coordinator.scheduling.cycle;

/**
 * How a cycle finds the best node for a replica. Both give the same node for the same state: the index is
 * what production runs, the full scan is the plain reference the tests check the index against.
 */
public enum NodeSearch {
    /**
     * Visit schedulable nodes by free-GPU count, fewest sufficient first, and stop once the scorers' upper
     * bounds say no node left can beat, or tie with a lower name, the best found.
     */
    INDEXED,
    /** Filter and score every schedulable node with enough free GPUs, in name order. */
    FULL_SCAN
}
