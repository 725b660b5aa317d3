package dev.drover.coordinator.scheduling.model;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** A node's state at the start of a cycle: lifecycle flags, GPUs, what is already allocated, and its port range. */
public record NodeView(
        String name,
        String address,
        boolean ready,
        boolean cordoned,
        boolean draining,
        List<GpuSlot> gpus,
        Set<Integer> allocatedGpus,
        double cpus,
        double cpusAllocated,
        long memoryBytes,
        long memoryAllocatedBytes,
        Map<String, String> labels,
        int portRangeStart,
        int portRangeEnd,
        Set<Integer> portsInUse) {

    public NodeView {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(address, "address");
        // Sorted by index so every consumer sees the same GPU order, whatever order the agent reported.
        gpus = gpus.stream().sorted((a, b) -> Integer.compare(a.index(), b.index())).toList();
        for (int i = 1; i < gpus.size(); i++) {
            if (gpus.get(i).index() == gpus.get(i - 1).index()) {
                throw new IllegalArgumentException("node " + name + " reports GPU index " + gpus.get(i).index() + " twice");
            }
        }
        allocatedGpus = Set.copyOf(allocatedGpus);
        labels = Map.copyOf(labels);
        portsInUse = Set.copyOf(portsInUse);
    }

    /** Healthy GPUs not allocated to any replica, by ascending index. */
    public List<Integer> freeGpus() {
        return gpus.stream()
                .filter(g -> g.healthy() && !allocatedGpus.contains(g.index()))
                .map(GpuSlot::index)
                .toList();
    }

    /** Whether new replicas may be placed here at all: ready, not cordoned, not draining. */
    public boolean schedulable() {
        return ready && !cordoned && !draining;
    }

    public double freeCpus() {
        return Math.max(0.0, cpus - cpusAllocated);
    }

    public long freeMemoryBytes() {
        return Math.max(0L, memoryBytes - memoryAllocatedBytes);
    }
}
