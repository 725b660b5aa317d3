package dev.drover.coordinator.scheduling;

import static dev.drover.coordinator.scheduling.TestClusters.GIB;
import static dev.drover.coordinator.scheduling.TestClusters.NOW;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.drover.coordinator.scheduling.RandomWorkloads.Workload;
import dev.drover.coordinator.scheduling.cycle.NodeSearch;
import dev.drover.coordinator.scheduling.cycle.SchedulerProfile;
import dev.drover.coordinator.scheduling.cycle.SchedulingCycle;
import dev.drover.coordinator.scheduling.model.ClusterSnapshot;
import dev.drover.coordinator.scheduling.model.GpuSlot;
import dev.drover.coordinator.scheduling.model.NodeView;
import dev.drover.coordinator.scheduling.model.PendingJob;
import dev.drover.coordinator.scheduling.model.PlacementStrategy;
import dev.drover.coordinator.scheduling.model.QueueView;
import dev.drover.coordinator.scheduling.model.RunningJob;
import dev.drover.coordinator.scheduling.model.SchedulerConfig;
import dev.drover.coordinator.scheduling.plugin.BinPackScorer;
import dev.drover.coordinator.scheduling.plugin.GangPackScorer;
import dev.drover.coordinator.scheduling.plugin.GangView;
import dev.drover.coordinator.scheduling.plugin.NodeScorer;
import dev.drover.coordinator.scheduling.plugin.NodeState;
import dev.drover.coordinator.scheduling.plugin.PreferredLabelsScorer;
import dev.drover.coordinator.scheduling.plugin.RackPackScorer;
import dev.drover.coordinator.scheduling.plugin.SpreadScorer;
import dev.drover.coordinator.scheduling.plugin.WeightedScorer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The indexed node search (free-GPU buckets, score bounds, early stop) must give exactly the plan of the full
 * scan of every node, on random clusters of every kind, with the default profile and with profiles whose
 * weights or scorers make bin-packing lose its lead.
 */
class NodeSearchEquivalenceProperties {

    @Provide
    Arbitrary<Workload> workloads() {
        return Arbitraries.randomValue(RandomWorkloads::anything);
    }

    @Provide
    Arbitrary<Workload> crowdedWorkloads() {
        return Arbitraries.randomValue(NodeSearchEquivalenceProperties::crowded);
    }

    @Provide
    Arbitrary<Workload> preemptionWorkloads() {
        return Arbitraries.randomValue(NodeSearchEquivalenceProperties::fullOfSmallVictims);
    }

    /** More than {@code VictimSelection.EXHAUSTIVE} candidates: the greedy search and its incremental dropping of victims. */
    @Property(tries = 150)
    void incrementalVictimDroppingChoosesLikeTheReference(@ForAll("preemptionWorkloads") Workload workload) {
        assertSamePlan(SchedulingCycle.defaults(), workload.snapshot());
    }

    @Property(tries = 300)
    void indexedSearchPlansLikeTheFullScan(@ForAll("workloads") Workload workload) {
        assertSamePlan(SchedulingCycle.defaults(), workload.snapshot());
    }

    @Property(tries = 300)
    void indexedSearchPlansLikeTheFullScanOnCrowdedClusters(@ForAll("crowdedWorkloads") Workload workload) {
        assertSamePlan(SchedulingCycle.defaults(), workload.snapshot());
    }

    /**
     * Preferred labels worth more than bin-packing, gang- and rack-packing worth more than bin-packing, and a
     * scorer with no bound: the search must not stop early on any of them.
     */
    @Property(tries = 200)
    void indexedSearchPlansLikeTheFullScanWithOtherProfiles(@ForAll("crowdedWorkloads") Workload workload) {
        SchedulerProfile defaults = SchedulerProfile.defaults();
        SchedulerProfile labelsFirst = new SchedulerProfile(defaults.jobOrder(), defaults.filters(),
                List.of(new WeightedScorer(new SpreadScorer(), 200.0), new WeightedScorer(new BinPackScorer(), 1.0),
                        new WeightedScorer(new PreferredLabelsScorer(), 500.0), new WeightedScorer(new GangPackScorer(), 0.0),
                        new WeightedScorer(new RackPackScorer(), 3.0)));
        SchedulerProfile gangFirst = new SchedulerProfile(defaults.jobOrder(), defaults.filters(),
                List.of(new WeightedScorer(new BinPackScorer(), 1.0), new WeightedScorer(new GangPackScorer(), 50.0),
                        new WeightedScorer(new RackPackScorer(), 20.0), new WeightedScorer(new PreferredLabelsScorer(), 10.0),
                        new WeightedScorer(new SpreadScorer(), 30.0)));
        SchedulerProfile unbounded = new SchedulerProfile(defaults.jobOrder(), defaults.filters(),
                List.of(new WeightedScorer(new BinPackScorer(), 100.0), new WeightedScorer(new MostFreeMemory(), 200.0)));
        for (SchedulerProfile profile : List.of(labelsFirst, gangFirst, unbounded)) {
            assertSamePlan(new SchedulingCycle(profile, SchedulingCycle.defaults().actions()), workload.snapshot());
        }
    }

    private static void assertSamePlan(SchedulingCycle cycle, ClusterSnapshot snapshot) {
        assertEquals(cycle.withNodeSearch(NodeSearch.FULL_SCAN).plan(snapshot), cycle.withNodeSearch(NodeSearch.INDEXED).plan(snapshot));
    }

    /**
     * Up to 40 nodes of 2 to 16 GPUs, fragmented, with racks, NVLink domains and other labels, so that free
     * counts, scores and names tie often; up to 40 pending jobs of every shape and strategy, some running gangs.
     */
    static Workload crowded(Random random) {
        List<NodeView> nodes = new ArrayList<>();
        int nodeCount = 1 + random.nextInt(40);
        int[] sizes = {2, 4, 8, 8, 8, 16};
        for (int n = 0; n < nodeCount; n++) {
            int gpuCount = sizes[random.nextInt(sizes.length)];
            List<GpuSlot> gpus = new ArrayList<>();
            Set<Integer> allocated = new HashSet<>();
            for (int i = 0; i < gpuCount; i++) {
                gpus.add(new GpuSlot(i, "GPU-" + n + "-" + i, random.nextInt(20) != 0));
                if (random.nextInt(3) == 0) {
                    allocated.add(i);
                }
            }
            Map<String, String> labels = new HashMap<>();
            labels.put("rack", "r" + random.nextInt(4));
            if (random.nextBoolean()) {
                labels.put("nvlink-domain", "d" + random.nextInt(3));
            }
            if (random.nextBoolean()) {
                labels.put("gpu", random.nextBoolean() ? "h100" : "a100");
            }
            double cpus = 4 + random.nextInt(60);
            nodes.add(new NodeView(String.format("n%02d", random.nextInt(100)) + "-" + n, "10.0.0." + n, random.nextInt(15) != 0,
                    random.nextInt(15) == 0, random.nextInt(15) == 0, gpus, allocated, cpus, random.nextInt((int) cpus), 256 * GIB,
                    random.nextInt(200) * GIB, labels, 29500, 29500 + random.nextInt(4), Set.of(), Map.of()));
        }
        List<QueueView> queues = RandomWorkloads.queues(random, nodes);
        List<String> queueNames = new ArrayList<>(List.of(QueueView.DEFAULT));
        queues.forEach(q -> queueNames.add(q.name()));
        int pendingCount = random.nextInt(41);
        List<String> pendingIds = new ArrayList<>();
        for (int i = 0; i < pendingCount; i++) {
            pendingIds.add("p" + i);
        }
        List<RunningJob> running = RandomWorkloads.running(random, nodes, queueNames, pendingIds, 3, 4, 6);
        List<PendingJob> pending = new ArrayList<>();
        int[] gpuShapes = {0, 1, 1, 1, 2, 2, 3, 4, 8, 16};
        for (int i = 0; i < pendingCount; i++) {
            Map<String, String> required = random.nextInt(6) == 0 ? Map.of("rack", "r" + random.nextInt(4)) : Map.of();
            Map<String, String> preferred = new HashMap<>();
            if (random.nextInt(3) == 0) {
                preferred.put("gpu", random.nextBoolean() ? "h100" : "a100");
            }
            if (random.nextInt(4) == 0) {
                preferred.put("rack", "r" + random.nextInt(4));
            }
            pending.add(new PendingJob("p" + i, 1, queueNames.get(random.nextInt(queueNames.size())), random.nextInt(4), random.nextInt(30),
                    NOW, 1 + random.nextInt(random.nextInt(4) == 0 ? 8 : 2), gpuShapes[random.nextInt(gpuShapes.length)],
                    0.5 * random.nextInt(9), random.nextInt(40) * GIB, random.nextBoolean(),
                    random.nextBoolean() ? null : Duration.ofMinutes(10 + random.nextInt(300)), required, preferred,
                    random.nextInt(3) == 0 ? PlacementStrategy.SPREAD : PlacementStrategy.PACK, Set.of()));
        }
        SchedulerConfig config = new SchedulerConfig(Duration.ofMinutes(random.nextInt(3) * 5), 1 + random.nextInt(3),
                random.nextInt(3) != 0, random.nextInt(3) != 0);
        return new Workload(nodes, running, pending, queues, config);
    }

    /**
     * 3 to 16 nodes of 8 GPUs packed with up to 60 running gangs of 1 or 2 GPUs (fractional CPUs, mixed
     * priorities and queues), and a few pending gangs of higher priority that only fit by preempting many.
     */
    static Workload fullOfSmallVictims(Random random) {
        List<NodeView> nodes = RandomWorkloads.nodes(random, 3 + random.nextInt(14), false);
        List<QueueView> queues = RandomWorkloads.queues(random, nodes);
        List<String> queueNames = new ArrayList<>(List.of(QueueView.DEFAULT));
        queues.forEach(q -> queueNames.add(q.name()));
        List<String> pendingIds = List.of("p0", "p1", "p2", "p3");
        List<RunningJob> running = new ArrayList<>();
        for (RunningJob job : RandomWorkloads.running(random, nodes, queueNames, pendingIds, 1, 2, 30)) {
            running.add(new RunningJob(job.jobId(), job.attempt(), job.queue(), job.priority(), random.nextInt(5) != 0, job.startedAt(),
                    job.maxRuntime(), job.replicas(), job.gpusPerReplica(), 0.1 * (1 + random.nextInt(7)), job.memoryPerReplica(),
                    job.placements(), job.terminating(), job.preemptionsLastHour(), job.preemptedBy()));
        }
        List<PendingJob> pending = new ArrayList<>();
        for (int i = 0; i < 1 + random.nextInt(4); i++) {
            pending.add(new PendingJob("p" + i, 1, queueNames.get(random.nextInt(queueNames.size())), 5 + random.nextInt(2), i, NOW,
                    1 + random.nextInt(4), 4 + 4 * random.nextInt(2), 0.3, GIB, false, null, Map.of(), Map.of(),
                    random.nextInt(4) == 0 ? PlacementStrategy.SPREAD : PlacementStrategy.PACK, Set.of()));
        }
        SchedulerConfig config = new SchedulerConfig(Duration.ZERO, 3, random.nextBoolean(), true);
        return new Workload(nodes, running, pending, queues, config);
    }

    /** A scorer that cannot bound its score (the default infinite bound): prefers nodes with more free memory. */
    private static final class MostFreeMemory implements NodeScorer {
        @Override
        public String name() {
            return "MostFreeMemory";
        }

        @Override
        public double score(PendingJob job, NodeState node, GangView gang) {
            return 100.0 * node.freeMemoryBytes() / node.view().memoryBytes();
        }
    }
}
