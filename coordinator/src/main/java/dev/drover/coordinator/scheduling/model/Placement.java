package dev.drover.coordinator.scheduling.model;

import java.util.List;
import java.util.Objects;

/**
 * A whole gang placed at once: every replica by rank, and the rendezvous (MASTER_ADDR and
 * MASTER_PORT on rank 0's node) the replicas meet at.
 */
public record Placement(
        String jobId,
        int attempt,
        List<ReplicaPlacement> replicas,
        String masterNode,
        String masterAddr,
        int masterPort,
        int numNodes) {

    public Placement {
        Objects.requireNonNull(jobId, "jobId");
        replicas = List.copyOf(replicas);
    }
}
