package dev.drover.coordinator.scheduling.plugin;

import dev.drover.coordinator.scheduling.model.PendingJob;
import dev.drover.coordinator.scheduling.model.PendingReason;
import dev.drover.coordinator.scheduling.model.Quantities;
import java.util.List;

/** Rejects nodes with fewer free healthy GPUs than one replica needs; a replica never spans nodes. */
public final class GpuFitFilter implements NodeFilter {
    public static final String NAME = "GpuFit";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public FilterResult filter(PendingJob job, NodeState node) {
        return FilterResult.of(node.freeGpuCount() >= job.gpusPerReplica());
    }

    @Override
    public String reasonCode() {
        return PendingReason.INSUFFICIENT_GPUS;
    }

    @Override
    public String describeRejections(PendingJob job, List<? extends NodeState> rejected) {
        int largest = rejected.stream().mapToInt(NodeState::freeGpuCount).max().orElse(0);
        long unhealthy = rejected.stream().filter(n -> n.view().gpus().stream().anyMatch(g -> !g.healthy())).count();
        // Unhealthy GPUs are worth naming: they are the one shortage an operator, not a finishing job, must fix.
        return Quantities.nodes(rejected.size()) + " short of free GPUs (largest free: " + largest
                + (unhealthy > 0 ? "; " + unhealthy + " with unhealthy GPUs" : "") + ")";
    }
}
