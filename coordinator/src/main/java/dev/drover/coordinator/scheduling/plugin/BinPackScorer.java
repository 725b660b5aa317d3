package dev.drover.coordinator.scheduling.plugin;

import dev.drover.coordinator.scheduling.model.PendingJob;

/**
 * Prefers the node left with the fewest free GPUs after the replica lands, so whole nodes stay free for
 * big replicas. The count is absolute, not a fraction of the node, because what big replicas need is a
 * number of free GPUs on one node.
 */
public final class BinPackScorer implements NodeScorer {
    public static final String NAME = "BinPack";
    /**
     * Free-GPU counts up to this are told apart; beyond it scores tie. A GPU server exposes far fewer,
     * and a fixed bound keeps the score independent of the rest of the cluster.
     */
    public static final int DISTINGUISHED_FREE_GPUS = 64;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public double score(PendingJob job, NodeState node, GangView gang) {
        return scoreFor(job, node.freeGpuCount());
    }

    /** Exact: the score depends on the free-GPU count alone. */
    @Override
    public double upperBound(PendingJob job, int freeGpuCount, GangView gang) {
        return scoreFor(job, freeGpuCount);
    }

    private static double scoreFor(PendingJob job, int freeGpuCount) {
        int freeAfter = Math.max(0, freeGpuCount - job.gpusPerReplica());
        return 100.0 * (1.0 - (double) Math.min(freeAfter, DISTINGUISHED_FREE_GPUS) / DISTINGUISHED_FREE_GPUS);
    }
}
