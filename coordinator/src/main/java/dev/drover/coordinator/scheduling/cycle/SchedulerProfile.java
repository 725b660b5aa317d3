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
import dev.drover.coordinator.scheduling.plugin.PreferredLabelsScorer;
import dev.drover.coordinator.scheduling.plugin.PriorityJobOrder;
import dev.drover.coordinator.scheduling.plugin.RackPackScorer;
import dev.drover.coordinator.scheduling.plugin.RequiredLabelsFilter;
import dev.drover.coordinator.scheduling.plugin.SpreadScorer;
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
     * This profile with another job order, e.g. {@code defaults().withJobOrder(new ExpectedRuntimeJobOrder())} to try
     * shorter expected runtimes first.
     */
    public SchedulerProfile withJobOrder(JobOrder order) {
        return new SchedulerProfile(order, filters, scorers);
    }

    /**
     * Priority order; filters cheapest first (flags, labels, then GPUs, CPUs, memory). Scorer weights make a
     * strict ladder: spreading (only for SPREAD gangs) over bin-packing; bin-packing so far above the rest
     * that one GPU less left free (100 x 100/64 = 156.25) outweighs preferred labels (up to 100), same node
     * (30) and same rack (20) together, so whole nodes stay free for big replicas; preferred labels then
     * break bin-packing's ties, and gang- and rack-packing break theirs.
     */
    public static SchedulerProfile defaults() {
        return new SchedulerProfile(
                new PriorityJobOrder(),
                List.of(new NodeReadyFilter(), new NodeNotCordonedFilter(), new NodeNotDrainingFilter(), new RequiredLabelsFilter(),
                        new GpuFitFilter(), new CpuFitFilter(), new MemoryFitFilter()),
                List.of(new WeightedScorer(new SpreadScorer(), 200.0), new WeightedScorer(new BinPackScorer(), 100.0),
                        new WeightedScorer(new PreferredLabelsScorer(), 1.0), new WeightedScorer(new GangPackScorer(), 0.3),
                        new WeightedScorer(new RackPackScorer(), 0.2)));
    }
}
