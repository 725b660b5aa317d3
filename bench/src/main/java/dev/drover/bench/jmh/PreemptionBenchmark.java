package dev.drover.bench.jmh;

import dev.drover.coordinator.scheduling.cycle.SchedulingCycle;
import dev.drover.coordinator.scheduling.model.ClusterSnapshot;
import dev.drover.coordinator.scheduling.model.Plan;
import dev.drover.coordinator.scheduling.model.SchedulerConfig;
import java.util.List;
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
 * The preemption search on a full cluster: 1,000 or 10,000 8-GPU nodes full of preemptible priority-0 jobs of 1 to 8 GPUs
 * (see {@link ClusterFixtures#fullOfPreemptible}), and one priority-10 gang of 8 x 8 GPUs that fits only once
 * victims stop. The cycle finds the candidates, trial-runs victim sets and records the cheapest it finds.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class PreemptionBenchmark {
    static final int REPLICAS = 8;
    static final int GPUS_PER_REPLICA = 8;

    @Param({"1000", "10000"})
    public int nodes;

    private ClusterSnapshot snapshot;

    @Setup(Level.Trial)
    public void buildSnapshot() {
        ClusterFixtures.BusyCluster cluster = ClusterFixtures.fullOfPreemptible(nodes, 8, 13);
        snapshot = new ClusterSnapshot(cluster.nodes(), List.of(ClusterFixtures.gang("preemptor", 10, REPLICAS, GPUS_PER_REPLICA)),
                ClusterFixtures.NOW, cluster.running(), List.of(), SchedulerConfig.defaults());
        if (SchedulingCycle.run(snapshot).preemptions().isEmpty()) {
            throw new IllegalStateException("the gang must preempt on a full cluster");
        }
    }

    /** One cycle; it places nothing (the gang waits for its victims), so it reports no replicas placed. */
    @Benchmark
    public Plan preempt64GpuGang() {
        return SchedulingCycle.run(snapshot);
    }
}
