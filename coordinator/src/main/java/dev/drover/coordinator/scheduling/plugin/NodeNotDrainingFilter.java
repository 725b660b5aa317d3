package dev.drover.coordinator.scheduling.plugin;

import dev.drover.coordinator.scheduling.model.PendingJob;
import dev.drover.coordinator.scheduling.model.PendingReason;
import dev.drover.coordinator.scheduling.model.Quantities;
import java.util.List;

/** Rejects nodes being drained: their work is moving off, so nothing new may land there. */
public final class NodeNotDrainingFilter implements NodeFilter {
    public static final String NAME = "NodeNotDraining";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public FilterResult filter(PendingJob job, NodeState node) {
        return FilterResult.of(!node.view().draining());
    }

    @Override
    public String reasonCode() {
        return PendingReason.NO_SCHEDULABLE_NODES;
    }

    @Override
    public String describeRejections(PendingJob job, List<? extends NodeState> rejected) {
        return Quantities.nodes(rejected.size()) + " draining";
    }
}
