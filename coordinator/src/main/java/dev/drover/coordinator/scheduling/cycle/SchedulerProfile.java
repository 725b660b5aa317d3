package dev.drover.coordinator.scheduling.cycle;

import dev.drover.coordinator.scheduling.plugin.BinPackScorer;
import dev.drover.coordinator.scheduling.plugin.CpuFitFilter;
import dev.drover.coordinator.scheduling.plugin.GangPackScorer;
import dev.drover.coordinator.scheduling.plugin.GpuFitFilter;
import dev.drover.coordinator.scheduling.plugin.JobOrder;
import dev.drover.coordinator.scheduling.plugin.MemoryFitFilter;
import dev.drover.coordinator.scheduling.plugin.NodeFilter;
import dev.drover.coordinator.scheduling.plugin.NodeNotCordonedFilter;
import dev.drover.coordinator.scheduling.plugin.NodeNotDrainingFilter;
import dev.drover.coordinator.scheduling.plugin.NodeReadyFilter;
import dev.drover.coordinator.scheduling.plugin.PriorityJobOrder;
import dev.drover.coordinator.scheduling.plugin.WeightedScorer;
import java.util.List;
import java.util.Objects;

/** The plugins a cycle runs (Kubernetes' scheduler profile): how jobs are ordered, which filters and weighted scorers apply. */
public record SchedulerProfile(JobOrder jobOrder, List<NodeFilter> filters, List<WeightedScorer> scorers) {

    public SchedulerProfile {
        Objects.requireNonNull(jobOrder, "jobOrder");
        filters = List.copyOf(filters);
        scorers = List.copyOf(scorers);
    }

    /**
     * Priority order; filters cheapest first (flags, then GPUs, CPUs, memory); bin-packing weighted so far
     * above gang-packing that one GPU less left free always wins, and gang-packing only breaks its ties.
     */
    public static SchedulerProfile defaults() {
        return new SchedulerProfile(
                new PriorityJobOrder(),
                List.of(new NodeReadyFilter(), new NodeNotCordonedFilter(), new NodeNotDrainingFilter(),
                        new GpuFitFilter(), new CpuFitFilter(), new MemoryFitFilter()),
                List.of(new WeightedScorer(new BinPackScorer(), 100.0), new WeightedScorer(new GangPackScorer(), 1.0)));
    }
}
