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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** The largest gang a cycle places at once: 512 replicas of 8 GPUs on 10,000 idle 8-GPU nodes, all or nothing. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class GangBenchmark {
    static final int NODES = 10_000;
    static final int REPLICAS = 512;

    private ClusterSnapshot snapshot;

    @Setup(Level.Trial)
    public void buildSnapshot() {
        snapshot = new ClusterSnapshot(ClusterFixtures.idleNodes(NODES, 8), ClusterFixtures.uniformPending(1, REPLICAS, 8),
                ClusterFixtures.NOW);
        if (SchedulingCycle.run(snapshot).placements().size() != 1) {
            throw new IllegalStateException("the 512-replica gang must fit 10,000 idle nodes");
        }
    }

    @Benchmark
    public Plan gang512x8(PlacementCounters counters) {
        Plan plan = SchedulingCycle.run(snapshot);
        for (Placement placement : plan.placements()) {
            counters.replicasPlaced += placement.replicas().size();
        }
        return plan;
    }
}
