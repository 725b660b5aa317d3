package dev.drover.coordinator.scheduling.plugin;

import dev.drover.coordinator.scheduling.model.PendingJob;
import dev.drover.coordinator.scheduling.model.PlacementStrategy;

/** For packed gangs, prefers nodes in a rack the gang already uses, so its traffic stays under one top-of-rack switch. */
public final class RackPackScorer implements NodeScorer {
    public static final String NAME = "RackPack";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public double score(PendingJob job, NodeState node, GangView gang) {
        if (job.strategy() != PlacementStrategy.PACK) {
            return 0.0;
        }
        String rack = node.view().rack();
        return rack != null && gang.usesRack(rack) ? 100.0 : 0.0;
    }
}
