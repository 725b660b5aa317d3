package dev.drover.bench.jmh;

import dev.drover.coordinator.scheduling.model.GpuSlot;
import dev.drover.coordinator.scheduling.model.NodeView;
import dev.drover.coordinator.scheduling.model.PendingJob;
import dev.drover.coordinator.scheduling.model.ReplicaPlacement;
import dev.drover.coordinator.scheduling.model.RunningJob;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Synthetic clusters and pending queues for the core benchmarks, deterministic for a given seed so that
 * runs on different machines measure the same work.
 */
public final class ClusterFixtures {
    public static final Instant NOW = Instant.parse("2025-01-01T00:00:00Z");
    private static final double NODE_CPUS = 128;
    private static final long NODE_MEMORY = 1024L << 30;

    private ClusterFixtures() {
    }

    /** {@code count} ready nodes of {@code gpusPerNode} healthy GPUs, nothing allocated. */
    public static List<NodeView> idleNodes(int count, int gpusPerNode) {
        List<NodeView> nodes = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            nodes.add(node(i, gpusPerNode, Set.of()));
        }
        return nodes;
    }

    /**
     * {@code count} nodes on which each GPU is already allocated with probability {@code allocatedFraction}, as a
     * cluster in steady state looks: fragmented, with few whole free nodes.
     */
    public static List<NodeView> busyNodes(int count, int gpusPerNode, double allocatedFraction, long seed) {
        Random random = new Random(seed);
        List<NodeView> nodes = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            List<Integer> allocated = new ArrayList<>();
            for (int g = 0; g < gpusPerNode; g++) {
                if (random.nextDouble() < allocatedFraction) {
                    allocated.add(g);
                }
            }
            nodes.add(node(i, gpusPerNode, Set.copyOf(allocated)));
        }
        return nodes;
    }

    /** Nodes and the running gangs that fill them, each node's allocations matching what runs there. */
    public record BusyCluster(List<NodeView> nodes, List<RunningJob> running) {
    }

    /**
     * {@code count} nodes filled to the last GPU with preemptible single-replica jobs of priority 0 in the default
     * queue: 1, 2, 4 or 8 GPUs each (1 CPU and 1 GiB per GPU), started 10 minutes to 10 hours ago, so that
     * victims differ in cost and most small ones share a node with others.
     */
    public static BusyCluster fullOfPreemptible(int count, int gpusPerNode, long seed) {
        Random random = new Random(seed);
        int[] sizes = {1, 1, 2, 2, 4, 8};
        List<NodeView> nodes = new ArrayList<>(count);
        List<RunningJob> running = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String name = String.format("node-%05d", i);
            for (int next = 0; next < gpusPerNode; ) {
                int size = sizes[random.nextInt(sizes.length)];
                while (next + size > gpusPerNode) {
                    size /= 2;
                }
                List<Integer> gpus = new ArrayList<>(size);
                for (int g = next; g < next + size; g++) {
                    gpus.add(g);
                }
                next += size;
                running.add(new RunningJob(String.format("run-%07d", running.size()), 1, "default", 0, true,
                        NOW.minus(Duration.ofMinutes(10 + random.nextInt(590))), null, 1, size, size, (long) size << 30,
                        List.of(new ReplicaPlacement(0, name, gpus, 0, 0, 1)), false, 0, Set.of()));
            }
            Set<Integer> all = new java.util.HashSet<>();
            for (int g = 0; g < gpusPerNode; g++) {
                all.add(g);
            }
            NodeView idle = node(i, gpusPerNode, all);
            nodes.add(new NodeView(idle.name(), idle.address(), true, false, false, idle.gpus(), all, NODE_CPUS, gpusPerNode,
                    NODE_MEMORY, (long) gpusPerNode << 30, Map.of(), 29500, 29999, Set.of()));
        }
        return new BusyCluster(nodes, running);
    }

    /** One pending gang of {@code replicas} x {@code gpusPerReplica} GPUs at {@code priority}, in the default queue. */
    public static PendingJob gang(String id, int priority, int replicas, int gpusPerReplica) {
        return new PendingJob(id, 0, "default", priority, 0, NOW, replicas, gpusPerReplica, 1, 1L << 30);
    }

    /** {@code count} identical gangs of {@code replicas} x {@code gpusPerReplica} GPUs, submitted in id order. */
    public static List<PendingJob> uniformPending(int count, int replicas, int gpusPerReplica) {
        List<PendingJob> jobs = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            jobs.add(pending(i, 0, replicas, gpusPerReplica));
        }
        return jobs;
    }

    /**
     * {@code count} jobs shaped like a training cluster's queue: mostly single-GPU and single-node jobs, a few
     * multi-node gangs of 8-GPU replicas, over four priorities.
     */
    public static List<PendingJob> mixedPending(int count, long seed) {
        Random random = new Random(seed);
        List<PendingJob> jobs = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int roll = random.nextInt(100);
            int replicas = 1;
            int gpus;
            if (roll < 70) {
                gpus = 1;
            } else if (roll < 80) {
                gpus = 2;
            } else if (roll < 88) {
                gpus = 4;
            } else if (roll < 97) {
                gpus = 8;
            } else {
                gpus = 8;
                replicas = 2 << random.nextInt(4);
            }
            jobs.add(pending(i, random.nextInt(4), replicas, gpus));
        }
        return jobs;
    }

    private static PendingJob pending(int i, int priority, int replicas, int gpusPerReplica) {
        return new PendingJob(String.format("job-%07d", i), 0, "default", priority, i, NOW.minusSeconds(1_000_000 - i),
                replicas, gpusPerReplica, 1, 1L << 30);
    }

    private static NodeView node(int i, int gpusPerNode, Set<Integer> allocated) {
        String name = String.format("node-%05d", i);
        List<GpuSlot> gpus = new ArrayList<>(gpusPerNode);
        for (int g = 0; g < gpusPerNode; g++) {
            gpus.add(new GpuSlot(g, name + "-gpu" + g, true));
        }
        return new NodeView(name, "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255), true, false, false, gpus,
                allocated, NODE_CPUS, 0, NODE_MEMORY, 0, Map.of(), 29500, 29999, Set.of());
    }
}
