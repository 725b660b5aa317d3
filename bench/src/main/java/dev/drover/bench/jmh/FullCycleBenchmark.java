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

/**
 * One whole cycle as production sees it on a big, busy cluster: 10,000 8-GPU nodes about half allocated and
 * fragmented, 100,000 pending jobs of mixed shapes and priorities (see {@link ClusterFixtures#mixedPending}),
 * including ordering, placement and a pending reason for every job left over.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class FullCycleBenchmark {
    static final int NODES = 10_000;
    static final int PENDING = 100_000;

    private ClusterSnapshot snapshot;

    @Setup(Level.Trial)
    public void buildSnapshot() {
        snapshot = new ClusterSnapshot(ClusterFixtures.busyNodes(NODES, 8, 0.5, 7), ClusterFixtures.mixedPending(PENDING, 11),
                ClusterFixtures.NOW);
    }

    @Benchmark
    public Plan fullCycle100kPending(PlacementCounters counters) {
        Plan plan = SchedulingCycle.run(snapshot);
        for (Placement placement : plan.placements()) {
            counters.replicasPlaced += placement.replicas().size();
        }
        return plan;
    }
}
