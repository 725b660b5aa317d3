package dev.drover.coordinator.scheduling.plugin;

import dev.drover.coordinator.scheduling.model.PendingJob;
import dev.drover.coordinator.scheduling.model.PlacementStrategy;

/**
 * For spread gangs, prefers a node the gang does not use yet, in a rack it does not use yet; a node with
 * no rack label counts as a rack of its own. Weighted above bin-packing, since spreading is what the job asked for.
 */
public final class SpreadScorer implements NodeScorer {
    public static final String NAME = "Spread";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public double score(PendingJob job, NodeState node, GangView gang) {
        if (job.strategy() != PlacementStrategy.SPREAD || gang.usesNode(node.name())) {
            return 0.0;
        }
        String rack = node.view().rack();
        return rack != null && gang.usesRack(rack) ? 50.0 : 100.0;
    }

    @Override
    public double upperBound(PendingJob job, int freeGpuCount, GangView gang) {
        return job.strategy() == PlacementStrategy.SPREAD ? 100.0 : 0.0;
    }
}
