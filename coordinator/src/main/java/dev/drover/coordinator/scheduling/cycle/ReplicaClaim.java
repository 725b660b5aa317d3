package dev.drover.coordinator.scheduling.cycle;

import java.util.List;
import java.util.Objects;

/** Where one replica would go in a trial placement: the node, its GPUs, and the CPUs and memory it needs there. */
public record ReplicaClaim(NodeCapacity node, List<Integer> gpus, double cpus, long memoryBytes) {
    public ReplicaClaim {
        Objects.requireNonNull(node, "node");
        gpus = List.copyOf(gpus);
    }
}
