package dev.drover.bench.replay;

import java.util.BitSet;

/** One node of a simulated queue cluster: which GPUs and rendezvous ports running gangs hold. */
final class SimulatedNode {
    final int index;
    final String name;
    final int gpuCount;
    final BitSet allocatedGpus = new BitSet();
    final BitSet portsInUse = new BitSet();
    /** Bumped on every change, so the adapter rebuilds a node's immutable core view only when it changed. */
    int version;

    SimulatedNode(int index, String name, int gpuCount) {
        this.index = index;
        this.name = name;
        this.gpuCount = gpuCount;
    }

    int freeGpus() {
        return gpuCount - allocatedGpus.cardinality();
    }
}
