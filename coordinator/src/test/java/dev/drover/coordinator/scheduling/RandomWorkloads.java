package dev.drover.coordinator.scheduling;

import static dev.drover.coordinator.scheduling.TestClusters.GIB;
import static dev.drover.coordinator.scheduling.TestClusters.NOW;

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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/** Random clusters and workloads of bounded size for the property tests; every choice comes from the given Random. */
final class RandomWorkloads {

    private RandomWorkloads() {
    }

    /** Nodes (without what runs), running gangs, pending jobs, queues and policies; {@link #snapshot} combines them. */
    record Workload(List<NodeView> nodes, List<RunningJob> running, List<PendingJob> pending, List<QueueView> queues,
                    SchedulerConfig config) {

        ClusterSnapshot snapshot() {
            return TestClusters.snapshot(nodes, running, pending, queues, config);
        }

        @Override
        public String toString() {
            return nodes.size() + " nodes, " + running.size() + " running, " + pending.size() + " pending, queues " + queues
                    + ", " + config + "\n  running " + running + "\n  pending " + pending;
        }
    }

    /** Anything goes: flags, unhealthy GPUs, NVLink domains, racks, nested queues, terminating victims, labels, spread. */
    static Workload anything(Random random) {
        List<NodeView> nodes = nodes(random, 1 + random.nextInt(8), true);
        List<QueueView> queues = queues(random, nodes);
        List<String> queueNames = new ArrayList<>(List.of(QueueView.DEFAULT));
        queues.forEach(q -> queueNames.add(q.name()));
        int pendingCount = random.nextInt(11);
        List<String> pendingIds = new ArrayList<>();
        for (int i = 0; i < pendingCount; i++) {
            pendingIds.add("p" + i);
        }
        List<RunningJob> running = running(random, nodes, queueNames, pendingIds, 2, 1 + random.nextInt(4), 4);
        List<String> runningIds = running.stream().map(RunningJob::jobId).toList();
        List<PendingJob> pending = new ArrayList<>();
        for (int i = 0; i < pendingCount; i++) {
            int[] gpuShapes = {0, 1, 1, 2, 4, 8};
            Map<String, String> required = random.nextInt(6) == 0 ? Map.of("rack", "r" + random.nextInt(4)) : Map.of();
            Map<String, String> preferred = random.nextInt(4) == 0 ? Map.of("rack", "r" + random.nextInt(3)) : Map.of();
            Set<String> preemptedBy = new HashSet<>();
            if (!runningIds.isEmpty() && random.nextInt(4) == 0) {
                preemptedBy.add(runningIds.get(random.nextInt(runningIds.size())));
            }
            pending.add(new PendingJob("p" + i, 1, queueNames.get(random.nextInt(queueNames.size())), random.nextInt(6), random.nextInt(20),
                    NOW, 1 + random.nextInt(3), gpuShapes[random.nextInt(gpuShapes.length)], 0.5 * (1 + random.nextInt(8)),
                    (1 + random.nextInt(16)) * GIB, random.nextBoolean(), random.nextBoolean() ? null : Duration.ofMinutes(10 + random.nextInt(300)),
                    required, preferred, random.nextInt(4) == 0 ? PlacementStrategy.SPREAD : PlacementStrategy.PACK, preemptedBy));
        }
        SchedulerConfig config = new SchedulerConfig(Duration.ofMinutes(random.nextInt(3) * 5), 1 + random.nextInt(3),
                random.nextInt(5) != 0, random.nextInt(5) != 0);
        return new Workload(nodes, running, pending, queues, config);
    }

    static List<NodeView> nodes(Random random, int count, boolean flaky) {
        List<NodeView> nodes = new ArrayList<>();
        for (int n = 0; n < count; n++) {
            int gpuCount = flaky && random.nextInt(8) == 0 ? random.nextInt(3) * 2 : (random.nextInt(4) == 0 ? 4 : 8);
            List<GpuSlot> gpus = new ArrayList<>();
            Map<Integer, Integer> domains = new HashMap<>();
            boolean split = random.nextBoolean();
            for (int i = 0; i < gpuCount; i++) {
                gpus.add(new GpuSlot(i, "GPU-" + n + "-" + i, !flaky || random.nextInt(12) != 0));
                if (split) {
                    domains.put(i, i < gpuCount / 2 ? 0 : 1);
                }
            }
            boolean ready = !flaky || random.nextInt(10) != 0;
            boolean cordoned = flaky && random.nextInt(10) == 0;
            boolean draining = flaky && random.nextInt(12) == 0;
            Set<Integer> allocatedOutsideJobs = new HashSet<>();
            if (flaky && gpuCount > 0 && random.nextInt(6) == 0) {
                allocatedOutsideJobs.add(random.nextInt(gpuCount));
            }
            nodes.add(new NodeView("n" + n, "10.0.0." + n, ready, cordoned, draining, gpus, allocatedOutsideJobs, 64, 0, 512 * GIB, 0,
                    Map.of("rack", "r" + (n % 3)), 29500, 29509, Set.of(), domains));
        }
        return nodes;
    }

    /** Up to two root queues and sometimes a child of the first; guarantees add up to at most the healthy GPUs. */
    static List<QueueView> queues(Random random, List<NodeView> nodes) {
        int healthy = healthyGpus(nodes);
        List<QueueView> queues = new ArrayList<>();
        int left = healthy;
        int rootCount = random.nextInt(3);
        for (int q = 1; q <= rootCount; q++) {
            int guaranteed = random.nextInt(left + 1);
            left -= guaranteed;
            int borrow = random.nextInt(3) == 0 ? QueueView.UNLIMITED : random.nextInt(9);
            queues.add(new QueueView("q" + q, null, guaranteed, 1 + random.nextInt(3), borrow));
        }
        if (rootCount > 0 && random.nextBoolean()) {
            QueueView parent = queues.get(0);
            queues.add(new QueueView("q1c", parent.name(), random.nextInt(parent.guaranteedGpus() + 1), 1, random.nextInt(5)));
        }
        return queues;
    }

    static int healthyGpus(List<NodeView> nodes) {
        int healthy = 0;
        for (NodeView node : nodes) {
            for (GpuSlot gpu : node.gpus()) {
                healthy += gpu.healthy() ? 1 : 0;
            }
        }
        return healthy;
    }

    /** Running gangs packed first-fit onto free healthy GPUs of the nodes, in random queues, some stopping for a pending job. */
    static List<RunningJob> running(Random random, List<NodeView> nodes, List<String> queueNames, List<String> pendingIds, int maxReplicas,
                                    int maxGpus, int attempts) {
        Map<String, TreeMap<Integer, Boolean>> free = new HashMap<>();
        for (NodeView node : nodes) {
            TreeMap<Integer, Boolean> gpus = new TreeMap<>();
            for (GpuSlot gpu : node.gpus()) {
                if (gpu.healthy() && !node.allocatedGpus().contains(gpu.index())) {
                    gpus.put(gpu.index(), true);
                }
            }
            free.put(node.name(), gpus);
        }
        List<RunningJob> running = new ArrayList<>();
        int count = random.nextInt(attempts * 2 + 1);
        for (int j = 0; j < count; j++) {
            int replicas = 1 + random.nextInt(maxReplicas);
            int gpusPerReplica = 1 + random.nextInt(maxGpus);
            List<ReplicaPlacement> placements = new ArrayList<>();
            for (NodeView node : nodes) {
                TreeMap<Integer, Boolean> gpus = free.get(node.name());
                while (placements.size() < replicas && gpus.size() >= gpusPerReplica) {
                    List<Integer> taken = new ArrayList<>();
                    for (int i = 0; i < gpusPerReplica; i++) {
                        taken.add(gpus.pollFirstEntry().getKey());
                    }
                    placements.add(new ReplicaPlacement(placements.size(), node.name(), taken, 0, 0, 1));
                }
            }
            if (placements.size() < replicas) {
                for (ReplicaPlacement replica : placements) {
                    replica.gpuIndices().forEach(i -> free.get(replica.node()).put(i, true));
                }
                continue;
            }
            boolean terminating = random.nextInt(8) == 0;
            Set<String> preemptedBy = new HashSet<>();
            if (terminating && !pendingIds.isEmpty() && random.nextBoolean()) {
                preemptedBy.add(pendingIds.get(random.nextInt(pendingIds.size())));
            }
            running.add(new RunningJob("r" + j, 1, queueNames.get(random.nextInt(queueNames.size())), random.nextInt(5), random.nextBoolean(),
                    NOW.minus(Duration.ofMinutes(random.nextInt(180))), random.nextBoolean() ? null : Duration.ofMinutes(30 + random.nextInt(270)),
                    replicas, gpusPerReplica, 1.0, GIB, placements, terminating, random.nextInt(4), preemptedBy));
        }
        return running;
    }
}
