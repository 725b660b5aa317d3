package dev.drover.bench.jmh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.drover.coordinator.scheduling.model.PendingReason;
import dev.drover.coordinator.scheduling.model.Plan;
import org.junit.jupiter.api.Test;

/** Runs each benchmark body once outside JMH, on small sizes where the class allows, so a core change that breaks one shows up in the build. */
class BenchmarkSmokeTest {

    @Test
    void placementCycleFillsTheClusterAndExplainsTheRest() {
        PlacementBenchmark benchmark = new PlacementBenchmark();
        benchmark.nodes = 10;
        benchmark.pending = 100;
        benchmark.gpusPerReplica = 8;
        benchmark.buildSnapshot();
        PlacementCounters counters = new PlacementCounters();
        Plan plan = benchmark.cycle(counters);
        assertEquals(10, plan.placements().size());
        assertEquals(90, plan.pendingReasons().size());
        assertEquals(10, counters.replicasPlaced);
    }

    @Test
    void singleGpuJobsPackEveryGpu() {
        PlacementBenchmark benchmark = new PlacementBenchmark();
        benchmark.nodes = 10;
        benchmark.pending = 100;
        benchmark.gpusPerReplica = 1;
        benchmark.buildSnapshot();
        PlacementCounters counters = new PlacementCounters();
        benchmark.cycle(counters);
        assertEquals(80, counters.replicasPlaced);
    }

    @Test
    void theBigGangIsPlacedWhole() {
        GangBenchmark benchmark = new GangBenchmark();
        benchmark.buildSnapshot();
        PlacementCounters counters = new PlacementCounters();
        Plan plan = benchmark.gang512x8(counters);
        assertEquals(1, plan.placements().size());
        assertEquals(GangBenchmark.REPLICAS, counters.replicasPlaced);
        assertEquals(GangBenchmark.REPLICAS, plan.placements().get(0).numNodes());
    }

    @Test
    void theHighPriorityGangPreemptsEnoughForEightWholeNodes() {
        PreemptionBenchmark benchmark = new PreemptionBenchmark();
        benchmark.nodes = 50;
        benchmark.buildSnapshot();
        Plan plan = benchmark.preempt64GpuGang();
        assertEquals(0, plan.placements().size());
        assertEquals("preemptor", plan.preemptions().get(0).forJobId());
        assertEquals(PendingReason.WAITING_FOR_PREEMPTION, plan.pendingReasons().get("preemptor").code());
    }
}
