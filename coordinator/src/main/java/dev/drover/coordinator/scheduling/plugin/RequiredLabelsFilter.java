package dev.drover.coordinator.scheduling.plugin;

import dev.drover.coordinator.scheduling.model.PendingJob;
import dev.drover.coordinator.scheduling.model.PendingReason;
import dev.drover.coordinator.scheduling.model.Quantities;
import java.util.List;
import java.util.Map;

/** Rejects nodes lacking a label value the job requires (e.g. {@code gpu=h100}, {@code rack=r7}). */
public final class RequiredLabelsFilter implements NodeFilter {
    public static final String NAME = "RequiredLabels";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public FilterResult filter(PendingJob job, NodeState node) {
        return job.requiredLabels().isEmpty() ? FilterResult.pass() : FilterResult.of(matches(job.requiredLabels(), node.view().labels()));
    }

    /** Whether {@code labels} has every required key with the required value. */
    public static boolean matches(Map<String, String> required, Map<String, String> labels) {
        for (Map.Entry<String, String> label : required.entrySet()) {
            if (!label.getValue().equals(labels.get(label.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String reasonCode() {
        return PendingReason.NO_MATCHING_NODES;
    }

    @Override
    public String describeRejections(PendingJob job, List<? extends NodeState> rejected) {
        return Quantities.nodes(rejected.size()) + " without labels " + LabelText.of(job.requiredLabels());
    }
}
