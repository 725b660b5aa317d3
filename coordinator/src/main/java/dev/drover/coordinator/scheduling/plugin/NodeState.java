package dev.drover.coordinator.scheduling.plugin;

import dev.drover.coordinator.scheduling.model.NodeView;

/** A node's capacity as it stands at this point of a cycle, after the placements decided so far. */
public interface NodeState {

    /** The node as the snapshot saw it; its lifecycle flags and labels do not change within a cycle. */
    NodeView view();

    default String name() {
        return view().name();
    }

    /** Healthy, unallocated GPUs not yet taken in this cycle. */
    int freeGpuCount();

    double freeCpus();

    long freeMemoryBytes();
}
