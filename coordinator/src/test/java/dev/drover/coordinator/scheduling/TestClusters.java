package dev.drover.coordinator.scheduling;

import dev.drover.coordinator.scheduling.model.GpuSlot;
import dev.drover.coordinator.scheduling.model.NodeView;
import dev.drover.coordinator.scheduling.model.PendingJob;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Terse builders for scheduler test tables. */
final class TestClusters {
    static final long GIB = 1024L * 1024 * 1024;
    static final Instant NOW = Instant.parse("2025-01-01T00:00:00Z");

    private TestClusters() {
    }

    static NodeBuilder node(String name, int gpus) {
        return new NodeBuilder(name, gpus);
    }

    static PendingJob job(String id, int priority, long seq, int replicas, int gpus) {
        return new PendingJob(id, 1, "default", priority, seq, NOW, replicas, gpus, 1.0, GIB);
    }

    static PendingJob job(String id, int priority, long seq, int replicas, int gpus, double cpus, long memory) {
        return new PendingJob(id, 1, "default", priority, seq, NOW, replicas, gpus, cpus, memory);
    }

    /** A node with 64 CPUs, 512 GiB and ports 29500-29509 free unless told otherwise. */
    static final class NodeBuilder {
        private final String name;
        private final int gpus;
        private final Set<Integer> unhealthy = new HashSet<>();
        private final Set<Integer> allocated = new HashSet<>();
        private boolean ready = true;
        private boolean cordoned;
        private boolean draining;
        private double cpus = 64;
        private double cpusAllocated;
        private long memory = 512 * GIB;
        private long memoryAllocated;
        private int portStart = 29500;
        private int portEnd = 29509;
        private final Set<Integer> portsInUse = new HashSet<>();

        private NodeBuilder(String name, int gpus) {
            this.name = name;
            this.gpus = gpus;
        }

        NodeBuilder unhealthy(int... indices) {
            for (int i : indices) {
                unhealthy.add(i);
            }
            return this;
        }

        NodeBuilder allocated(int... indices) {
            for (int i : indices) {
                allocated.add(i);
            }
            return this;
        }

        NodeBuilder notReady() {
            ready = false;
            return this;
        }

        NodeBuilder cordoned() {
            cordoned = true;
            return this;
        }

        NodeBuilder draining() {
            draining = true;
            return this;
        }

        NodeBuilder cpus(double total, double used) {
            cpus = total;
            cpusAllocated = used;
            return this;
        }

        NodeBuilder memory(long total, long used) {
            memory = total;
            memoryAllocated = used;
            return this;
        }

        NodeBuilder ports(int start, int end, int... inUse) {
            portStart = start;
            portEnd = end;
            for (int p : inUse) {
                portsInUse.add(p);
            }
            return this;
        }

        NodeView build() {
            List<GpuSlot> slots = new ArrayList<>();
            for (int i = 0; i < gpus; i++) {
                slots.add(new GpuSlot(i, "GPU-" + name + "-" + i, !unhealthy.contains(i)));
            }
            return new NodeView(name, "10.0.0." + Math.abs(name.hashCode() % 250), ready, cordoned, draining, slots, allocated,
                    cpus, cpusAllocated, memory, memoryAllocated, Map.of("zone", "z1"), portStart, portEnd, portsInUse);
        }
    }
}
