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
import dev.drover.coordinator.scheduling.model.Plan;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A smoke bound, not a benchmark (JMH lives in bench/): 1,000 nodes x 8 GPUs and 5,000 pending jobs.
 * The bound is loose so a busy CI machine does not fail it; the time is printed.
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
}
