package dev.drover.coordinator.scheduling;

import dev.drover.coordinator.scheduling.model.ClusterSnapshot;
import dev.drover.coordinator.scheduling.model.GpuSlot;
import dev.drover.coordinator.scheduling.model.NodeView;
import dev.drover.coordinator.scheduling.model.PendingJob;
import dev.drover.coordinator.scheduling.model.PlacementStrategy;
import dev.drover.coordinator.scheduling.model.QueueView;
import dev.drover.coordinator.scheduling.model.ReplicaPlacement;
import dev.drover.coordinator.scheduling.model.RunningJob;
import dev.drover.coordinator.scheduling.model.SchedulerConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
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

    /**
     * A snapshot whose nodes also count what the running jobs hold (GPUs, CPUs, memory), as the ledger
     * builds it; rank 0's port is not marked in use.
     */
    static ClusterSnapshot snapshot(List<NodeView> nodes, List<RunningJob> running, List<PendingJob> pending, List<QueueView> queues,
                                    SchedulerConfig config) {
        return snapshot(nodes, running, pending, queues, config, NOW);
    }

    static ClusterSnapshot snapshot(List<NodeView> nodes, List<RunningJob> running, List<PendingJob> pending, List<QueueView> queues,
                                    SchedulerConfig config, Instant now) {
        List<NodeView> views = new ArrayList<>();
        for (NodeView node : nodes) {
            Set<Integer> allocated = new HashSet<>(node.allocatedGpus());
            double cpus = node.cpusAllocated();
            long memory = node.memoryAllocatedBytes();
            for (RunningJob job : running) {
                for (ReplicaPlacement replica : job.placements()) {
                    if (replica.node().equals(node.name())) {
                        allocated.addAll(replica.gpuIndices());
                        cpus += job.cpusPerReplica();
                        memory += job.memoryPerReplica();
                    }
                }
            }
            views.add(new NodeView(node.name(), node.address(), node.ready(), node.cordoned(), node.draining(), node.gpus(), allocated,
                    node.cpus(), cpus, node.memoryBytes(), memory, node.labels(), node.portRangeStart(), node.portRangeEnd(),
                    node.portsInUse(), node.gpuDomains()));
        }
        return new ClusterSnapshot(views, pending, now, running, queues, config);
    }

    /** A pending job of one GPU-shaped gang (1 CPU, 1 GiB per replica) in the default queue, to refine. */
    static PendingBuilder pending(String id, int priority, long seq, int replicas, int gpus) {
        return new PendingBuilder(id, priority, seq, replicas, gpus);
    }

    /** A running preemptible gang (1 CPU, 1 GiB per replica) of the default queue that started an hour ago, to refine. */
    static RunningBuilder running(String id, int priority) {
        return new RunningBuilder(id, priority);
    }

    static QueueView queue(String name, String parent, int guaranteed, double weight, int borrow) {
        return new QueueView(name, parent, guaranteed, weight, borrow);
    }

    /** Fluent {@link PendingJob}. */
    static final class PendingBuilder {
        private final String id;
        private final int priority;
        private final long seq;
        private final int replicas;
        private final int gpus;
        private String queue = "default";
        private double cpus = 1.0;
        private long memory = GIB;
        private boolean preemptible;
        private Duration maxRuntime;
        private final Map<String, String> required = new HashMap<>();
        private final Map<String, String> preferred = new HashMap<>();
        private PlacementStrategy strategy = PlacementStrategy.PACK;
        private final Set<String> preemptedBy = new HashSet<>();

        private PendingBuilder(String id, int priority, long seq, int replicas, int gpus) {
            this.id = id;
            this.priority = priority;
            this.seq = seq;
            this.replicas = replicas;
            this.gpus = gpus;
        }

        PendingBuilder queue(String name) {
            queue = name;
            return this;
        }

        PendingBuilder resources(double cpusPerReplica, long memoryPerReplica) {
            cpus = cpusPerReplica;
            memory = memoryPerReplica;
            return this;
        }

        PendingBuilder preemptible() {
            preemptible = true;
            return this;
        }

        PendingBuilder maxRuntime(Duration runtime) {
            maxRuntime = runtime;
            return this;
        }

        PendingBuilder requires(String key, String value) {
            required.put(key, value);
            return this;
        }

        PendingBuilder prefers(String key, String value) {
            preferred.put(key, value);
            return this;
        }

        PendingBuilder spread() {
            strategy = PlacementStrategy.SPREAD;
            return this;
        }

        PendingBuilder preemptedBy(String... jobIds) {
            preemptedBy.addAll(List.of(jobIds));
            return this;
        }

        PendingJob build() {
            return new PendingJob(id, 1, queue, priority, seq, NOW, replicas, gpus, cpus, memory, preemptible, maxRuntime, required,
                    preferred, strategy, preemptedBy);
        }
    }

    /** Fluent {@link RunningJob}; its replicas are given as node + GPU indices, one per replica. */
    static final class RunningBuilder {
        private final String id;
        private final int priority;
        private String queue = "default";
        private boolean preemptible = true;
        private Instant startedAt = NOW.minus(Duration.ofHours(1));
        private Duration maxRuntime;
        private final List<ReplicaPlacement> placements = new ArrayList<>();
        private int gpusPerReplica = -1;
        private boolean terminating;
        private double cpusPerReplica = 1.0;
        private long memoryPerReplica = GIB;
        private int preemptionsLastHour;
        private final Set<String> preemptedBy = new HashSet<>();

        private RunningBuilder(String id, int priority) {
            this.id = id;
            this.priority = priority;
        }

        RunningBuilder queue(String name) {
            queue = name;
            return this;
        }

        RunningBuilder notPreemptible() {
            preemptible = false;
            return this;
        }

        RunningBuilder startedAgo(Duration ago) {
            startedAt = NOW.minus(ago);
            return this;
        }

        RunningBuilder maxRuntime(Duration runtime) {
            maxRuntime = runtime;
            return this;
        }

        /** One replica on {@code node} holding {@code gpus}. */
        RunningBuilder on(String node, Integer... gpus) {
            List<Integer> indices = List.of(gpus);
            if (gpusPerReplica >= 0 && gpusPerReplica != indices.size()) {
                throw new IllegalArgumentException("replicas of a gang have the same shape");
            }
            gpusPerReplica = indices.size();
            int rank = placements.size();
            placements.add(new ReplicaPlacement(rank, node, indices, rank, 0, 1));
            return this;
        }

        RunningBuilder resources(double cpus, long memory) {
            cpusPerReplica = cpus;
            memoryPerReplica = memory;
            return this;
        }

        RunningBuilder terminating() {
            terminating = true;
            return this;
        }

        RunningBuilder preemptionsLastHour(int count) {
            preemptionsLastHour = count;
            return this;
        }

        RunningBuilder preemptedBy(String... jobIds) {
            preemptedBy.addAll(List.of(jobIds));
            return this;
        }

        RunningJob build() {
            return new RunningJob(id, 1, queue, priority, preemptible, startedAt, maxRuntime, placements.size(), Math.max(0, gpusPerReplica),
                    cpusPerReplica, memoryPerReplica, placements, terminating, preemptionsLastHour, preemptedBy);
        }
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
        private final Map<String, String> labels = new HashMap<>(Map.of("zone", "z1"));
        private final Map<Integer, Integer> domains = new HashMap<>();

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

        NodeBuilder label(String key, String value) {
            labels.put(key, value);
            return this;
        }

        NodeBuilder rack(String rack) {
            return label("rack", rack);
        }

        /** GPU index i sits in domains[i]. */
        NodeBuilder domains(int... domainOfGpu) {
            for (int i = 0; i < domainOfGpu.length; i++) {
                domains.put(i, domainOfGpu[i]);
            }
            return this;
        }

        NodeView build() {
            List<GpuSlot> slots = new ArrayList<>();
            for (int i = 0; i < gpus; i++) {
                slots.add(new GpuSlot(i, "GPU-" + name + "-" + i, !unhealthy.contains(i)));
            }
            return new NodeView(name, "10.0.0." + Math.abs(name.hashCode() % 250), ready, cordoned, draining, slots, allocated,
                    cpus, cpusAllocated, memory, memoryAllocated, labels, portStart, portEnd, portsInUse, domains);
        }
    }
}
