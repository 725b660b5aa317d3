package dev.drover.coordinator.scheduling;

import static dev.drover.coordinator.scheduling.TestClusters.GIB;
import static dev.drover.coordinator.scheduling.TestClusters.NOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drover.coordinator.scheduling.cycle.SchedulingCycle;
import dev.drover.coordinator.scheduling.model.ClusterSnapshot;
import dev.drover.coordinator.scheduling.model.GpuSlot;
import dev.drover.coordinator.scheduling.model.NodeView;
import dev.drover.coordinator.scheduling.model.PendingJob;
import dev.drover.coordinator.scheduling.model.PlacementStrategy;
import dev.drover.coordinator.scheduling.model.Plan;
import dev.drover.coordinator.scheduling.model.QueueView;
import dev.drover.coordinator.scheduling.model.ReplicaPlacement;
import dev.drover.coordinator.scheduling.model.RunningJob;
import dev.drover.coordinator.scheduling.model.SchedulerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A smoke bound, not a benchmark (JMH lives in bench/): 1,000 nodes x 8 GPUs and 5,000 pending jobs, on
 * free capacity, and on a loaded cluster with queues, running gangs, a backfill reservation and preemption;
 * and 10,000 nodes filled with single-GPU jobs, which only the free-GPU index makes fast (a full scan of
 * every node per replica takes tens of seconds there). The bound is loose so a busy CI machine does not
 * fail it; the time is printed.
 */
class SchedulingCyclePerformanceTest {

    @Test
    void largeCycleStaysWellUnderASecond() {
        Random random = new Random(42);
        List<NodeView> nodes = new ArrayList<>();
        for (int n = 0; n < 1000; n++) {
            List<GpuSlot> gpus = new ArrayList<>();
            Set<Integer> allocated = new HashSet<>();
            for (int i = 0; i < 8; i++) {
                gpus.add(new GpuSlot(i, "GPU-" + n + "-" + i, random.nextInt(50) != 0));
                if (random.nextInt(3) == 0) {
                    allocated.add(i);
                }
            }
            nodes.add(new NodeView(String.format("node-%04d", n), "10.1." + (n / 250) + "." + (n % 250), true, false, false, gpus,
                    allocated, 128, 0, 1024 * GIB, 0, Map.of(), 29500, 29599, Set.of()));
        }
        List<PendingJob> jobs = new ArrayList<>();
        int[] gpuShapes = {1, 2, 4, 8};
        for (int j = 0; j < 5000; j++) {
            jobs.add(new PendingJob("job-" + j, 1, "default", random.nextInt(5), j, NOW, 1 + random.nextInt(4),
                    gpuShapes[random.nextInt(gpuShapes.length)], 4, 32 * GIB));
        }
        ClusterSnapshot snapshot = new ClusterSnapshot(nodes, jobs, NOW);
        SchedulingCycle.run(snapshot); // warm-up: JIT
        long started = System.nanoTime();
        Plan plan = SchedulingCycle.run(snapshot);
        long millis = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("cycle over 1000 nodes x 8 GPUs, 5000 jobs: %d ms, %d placed, %d pending%n",
                millis, plan.placements().size(), plan.pendingReasons().size());
        assertEquals(5000, plan.placements().size() + plan.pendingReasons().size());
        assertTrue(millis < 5000, "cycle took " + millis + " ms");
    }

    @Test
    void loadedClusterWithQueuesBackfillAndPreemptionStaysWellUnderASecond() {
        Random random = new Random(42);
        String[] queues = {"q0", "q1", "q2", "q3"};
        int[] gpuShapes = {1, 2, 4, 8};
        List<NodeView> nodes = new ArrayList<>();
        List<RunningJob> running = new ArrayList<>();
        for (int n = 0; n < 1000; n++) {
            String name = String.format("node-%04d", n);
            List<GpuSlot> gpus = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                gpus.add(new GpuSlot(i, "GPU-" + n + "-" + i, true));
            }
            Set<Integer> allocated = new HashSet<>();
            double cpus = 0;
            long memory = 0;
            for (int next = 0; next < 8; ) {
                int size = gpuShapes[random.nextInt(gpuShapes.length)];
                if (next + size > 8 || random.nextInt(5) == 0) {
                    break;
                }
                List<Integer> indices = new ArrayList<>();
                for (int k = 0; k < size; k++) {
                    indices.add(next + k);
                }
                allocated.addAll(indices);
                next += size;
                cpus += 4;
                memory += 32 * GIB;
                running.add(new RunningJob("run-" + running.size(), 1, queues[random.nextInt(4)], random.nextInt(5), random.nextBoolean(),
                        NOW.minus(Duration.ofMinutes(random.nextInt(600))),
                        random.nextInt(4) == 0 ? null : Duration.ofMinutes(60 + random.nextInt(1200)), 1, size, 4, 32 * GIB,
                        List.of(new ReplicaPlacement(0, name, indices, 0, 0, 1)), false, 0, Set.of()));
            }
            nodes.add(new NodeView(name, "10.1." + (n / 250) + "." + (n % 250), true, false, false, gpus, allocated, 128, cpus, 1024 * GIB,
                    memory, Map.of("rack", "r" + n / 40), 29500, 29599, Set.of(), Map.of()));
        }
        List<PendingJob> jobs = new ArrayList<>();
        for (int j = 0; j < 5000; j++) {
            jobs.add(new PendingJob("job-" + j, 1, queues[random.nextInt(4)], random.nextInt(6), j, NOW, 1 + random.nextInt(4),
                    gpuShapes[random.nextInt(gpuShapes.length)], 4, 32 * GIB, random.nextBoolean(),
                    random.nextBoolean() ? null : Duration.ofMinutes(30 + random.nextInt(600)), Map.of(), Map.of(),
                    random.nextInt(4) == 0 ? PlacementStrategy.SPREAD : PlacementStrategy.PACK, Set.of()));
        }
        List<QueueView> queueViews = List.of(new QueueView("q0", null, 3000, 1, 2000), new QueueView("q1", null, 2000, 2, 2000),
                new QueueView("q2", null, 1500, 1, 1000), new QueueView("q3", null, 1000, 1, QueueView.UNLIMITED));
        ClusterSnapshot snapshot = new ClusterSnapshot(nodes, jobs, NOW, running, queueViews, SchedulerConfig.defaults());
        SchedulingCycle.run(snapshot); // warm-up: JIT
        long started = System.nanoTime();
        Plan plan = SchedulingCycle.run(snapshot);
        long millis = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("loaded cycle over 1000 nodes x 8 GPUs, %d running, 5000 jobs: %d ms, %d placed, %d preempted, %d reserved%n",
                running.size(), millis, plan.placements().size(), plan.preemptions().size(), plan.estimatedStarts().size());
        assertEquals(5000, plan.placements().size() + plan.pendingReasons().size());
        assertTrue(millis < 5000, "cycle took " + millis + " ms");
    }

    @Test
    void tenThousandNodesFillWithSingleGpuJobsInUnderASecondOrSo() {
        List<NodeView> nodes = new ArrayList<>();
        for (int n = 0; n < 10_000; n++) {
            List<GpuSlot> gpus = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                gpus.add(new GpuSlot(i, "GPU-" + n + "-" + i, true));
            }
            nodes.add(new NodeView(String.format("node-%05d", n), "10.2." + (n / 250) + "." + (n % 250), true, false, false, gpus,
                    Set.of(), 128, 0, 1024 * GIB, 0, Map.of(), 29500, 29999, Set.of()));
        }
        List<PendingJob> jobs = new ArrayList<>();
        for (int j = 0; j < 90_000; j++) {
            jobs.add(new PendingJob(String.format("job-%06d", j), 1, "default", 0, j, NOW, 1, 1, 1, GIB));
        }
        ClusterSnapshot snapshot = new ClusterSnapshot(nodes, jobs, NOW);
        SchedulingCycle.run(snapshot); // warm-up: JIT
        long started = System.nanoTime();
        Plan plan = SchedulingCycle.run(snapshot);
        long millis = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("cycle over 10000 nodes x 8 GPUs, 90000 single-GPU jobs: %d ms, %d placed, %d pending%n",
                millis, plan.placements().size(), plan.pendingReasons().size());
        assertEquals(80_000, plan.placements().size());
        assertEquals(10_000, plan.pendingReasons().size());
        assertTrue(millis < 5000, "cycle took " + millis + " ms");
    }
}
