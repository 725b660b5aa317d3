package dev.drover.coordinator.scheduling.model;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A node's state at the start of a cycle: lifecycle flags, GPUs, what is already allocated, its labels
 * (e.g. {@code rack}), its port range, and which interconnect domain (NVLink/NVSwitch island or PCIe/NUMA
 * domain) each GPU index sits in; no domains means one domain.
 */
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
        Set<Integer> portsInUse,
        Map<Integer, Integer> gpuDomains) {

    /** The label whose value names a node's rack; gangs pack into one rack or spread over several. */
    public static final String RACK_LABEL = "rack";
    /** The label whose value names a multi-node NVLink domain (e.g. one NVL72 rack); packed gangs prefer to stay in one. */
    public static final String NVLINK_DOMAIN_LABEL = "nvlink-domain";

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
        gpuDomains = gpuDomains == null ? Map.of() : Map.copyOf(gpuDomains);
    }

    /** A node whose GPUs all share one interconnect domain. */
    public NodeView(String name, String address, boolean ready, boolean cordoned, boolean draining, List<GpuSlot> gpus,
                    Set<Integer> allocatedGpus, double cpus, double cpusAllocated, long memoryBytes, long memoryAllocatedBytes,
                    Map<String, String> labels, int portRangeStart, int portRangeEnd, Set<Integer> portsInUse) {
        this(name, address, ready, cordoned, draining, gpus, allocatedGpus, cpus, cpusAllocated, memoryBytes,
                memoryAllocatedBytes, labels, portRangeStart, portRangeEnd, portsInUse, Map.of());
    }

    /** The interconnect domain of a GPU; GPUs the node did not map share domain 0. */
    public int domainOf(int gpuIndex) {
        return gpuDomains.getOrDefault(gpuIndex, 0);
    }

    /** The node's rack, or null when it has no rack label. */
    public String rack() {
        return labels.get(RACK_LABEL);
    }

    /** The node's multi-node NVLink domain, or null when it has no such label. */
    public String nvlinkDomain() {
        return labels.get(NVLINK_DOMAIN_LABEL);
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
