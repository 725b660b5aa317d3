package dev.drover.coordinator.scheduling.plugin;

import dev.drover.coordinator.scheduling.model.PendingJob;
import dev.drover.coordinator.scheduling.model.PendingReason;
import dev.drover.coordinator.scheduling.model.Quantities;
import java.util.List;

/** Rejects nodes whose agent is not connected and healthy. */
public final class NodeReadyFilter implements NodeFilter {
    public static final String NAME = "NodeReady";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public FilterResult filter(PendingJob job, NodeState node) {
        return FilterResult.of(node.view().ready());
    }

    @Override
    public String reasonCode() {
        return PendingReason.NO_SCHEDULABLE_NODES;
    }

    @Override
    public String describeRejections(PendingJob job, List<? extends NodeState> rejected) {
        return Quantities.nodes(rejected.size()) + " not ready";
    }
}
