package dev.drover.coordinator.scheduling.plugin;

import dev.drover.coordinator.scheduling.model.PendingJob;
import dev.drover.coordinator.scheduling.model.PlacementStrategy;

/**
 * For packed gangs, prefers nodes in a multi-node NVLink domain the gang already uses (its collectives stay
 * on NVLink), then nodes in a rack it already uses (its traffic stays under one top-of-rack switch).
 */
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
        String domain = node.view().nvlinkDomain();
        String rack = node.view().rack();
        return (domain != null && gang.usesNvlinkDomain(domain) ? 60.0 : 0.0) + (rack != null && gang.usesRack(rack) ? 40.0 : 0.0);
    }

    @Override
    public double upperBound(PendingJob job, int freeGpuCount, GangView gang) {
        if (job.strategy() != PlacementStrategy.PACK) {
            return 0.0;
        }
        return (gang.usesAnyNvlinkDomain() ? 60.0 : 0.0) + (gang.usesAnyRack() ? 40.0 : 0.0);
    }
}
