package dev.drover.coordinator.scheduling.plugin;

import dev.drover.coordinator.scheduling.model.PendingJob;
import dev.drover.coordinator.scheduling.model.PlacementStrategy;

/** For packed gangs, prefers nodes already holding a replica of the same gang, so a gang spans as few nodes (and NCCL hops) as possible. */
public final class GangPackScorer implements NodeScorer {
    public static final String NAME = "GangPack";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public double score(PendingJob job, NodeState node, GangView gang) {
        return job.strategy() == PlacementStrategy.PACK && gang.usesNode(node.name()) ? 100.0 : 0.0;
    }

    /** Only nodes the gang already uses score; the bound is over nodes it does not use. */
    @Override
    public double upperBound(PendingJob job, int freeGpuCount, GangView gang) {
        return 0.0;
    }
}
