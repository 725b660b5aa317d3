package dev.drover.bench.jmh;

import dev.drover.coordinator.scheduling.cycle.SchedulingCycle;
import dev.drover.coordinator.scheduling.model.ClusterSnapshot;
import dev.drover.coordinator.scheduling.model.Placement;
import dev.drover.coordinator.scheduling.model.Plan;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Placement throughput of one production cycle on an idle cluster of 8-GPU nodes with a deep queue of identical
 * single-replica jobs: every cycle fills the cluster and explains every job left over.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class PlacementBenchmark {

    @Param({"1000", "10000"})
    public int nodes;

    @Param({"10000", "100000"})
    public int pending;

    @Param({"1", "8"})
    public int gpusPerReplica;

    private ClusterSnapshot snapshot;

    @Setup(Level.Trial)
    public void buildSnapshot() {
        snapshot = new ClusterSnapshot(ClusterFixtures.idleNodes(nodes, 8),
                ClusterFixtures.uniformPending(pending, 1, gpusPerReplica), ClusterFixtures.NOW);
    }

    @Benchmark
    public Plan cycle(PlacementCounters counters) {
        Plan plan = SchedulingCycle.run(snapshot);
        for (Placement placement : plan.placements()) {
            counters.replicasPlaced += placement.replicas().size();
        }
        return plan;
    }
}
