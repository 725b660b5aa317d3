package dev.drover.coordinator.scheduling.plugin;

import dev.drover.coordinator.scheduling.model.PendingJob;
import dev.drover.coordinator.scheduling.model.PendingReason;
import dev.drover.coordinator.scheduling.model.Quantities;
import java.util.List;

/** Rejects nodes with less free memory than one replica needs. */
public final class MemoryFitFilter implements NodeFilter {
    public static final String NAME = "MemoryFit";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public FilterResult filter(PendingJob job, NodeState node) {
        return FilterResult.of(node.freeMemoryBytes() >= job.memoryPerReplica());
    }

    @Override
    public String reasonCode() {
        return PendingReason.INSUFFICIENT_MEMORY;
    }

    @Override
    public String describeRejections(PendingJob job, List<? extends NodeState> rejected) {
        long largest = rejected.stream().mapToLong(NodeState::freeMemoryBytes).max().orElse(0);
        return Quantities.nodes(rejected.size()) + " short of free memory (largest free: " + Quantities.memory(largest) + ")";
    }
}
