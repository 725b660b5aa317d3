package dev.drover.coordinator.scheduling.plugin;

import dev.drover.coordinator.scheduling.model.PendingJob;
import dev.drover.coordinator.scheduling.model.PendingReason;
import dev.drover.coordinator.scheduling.model.Quantities;
import java.util.List;

/** Rejects nodes with fewer free CPUs than one replica needs. */
public final class CpuFitFilter implements NodeFilter {
    public static final String NAME = "CpuFit";
    /** CPUs are fractional; sums of fractions must not reject an exact fit. */
    static final double EPSILON = 1e-9;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public FilterResult filter(PendingJob job, NodeState node) {
        return FilterResult.of(node.freeCpus() + EPSILON >= job.cpusPerReplica());
    }

    @Override
    public String reasonCode() {
        return PendingReason.INSUFFICIENT_CPUS;
    }

    @Override
    public String describeRejections(PendingJob job, List<? extends NodeState> rejected) {
        double largest = rejected.stream().mapToDouble(NodeState::freeCpus).max().orElse(0);
        return Quantities.nodes(rejected.size()) + " short of free CPUs (largest free: " + Quantities.cpus(largest) + ")";
    }
}
