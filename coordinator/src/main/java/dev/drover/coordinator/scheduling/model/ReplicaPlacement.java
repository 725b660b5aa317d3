package dev.drover.coordinator.scheduling.model;

import java.util.List;
import java.util.Objects;

/**
 * Where one replica of a gang runs: its global rank, node, GPU indices, and the torchrun-style
 * NODE_RANK, LOCAL_RANK and local world size it is started with.
 */
public record ReplicaPlacement(int rank, String node, List<Integer> gpuIndices, int nodeRank, int localRank, int localWorldSize) {
    public ReplicaPlacement {
        Objects.requireNonNull(node, "node");
        gpuIndices = List.copyOf(gpuIndices);
    }
}
