package dev.drover.coordinator.scheduling.plugin;

import dev.drover.coordinator.scheduling.model.PendingJob;
import java.util.Map;

/** Prefers nodes carrying more of the labels the job would rather have; a job without preferences scores every node alike. */
public final class PreferredLabelsScorer implements NodeScorer {
    public static final String NAME = "PreferredLabels";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public double score(PendingJob job, NodeState node, GangView gang) {
        if (job.preferredLabels().isEmpty()) {
            return 0.0;
        }
        int matched = 0;
        Map<String, String> labels = node.view().labels();
        for (Map.Entry<String, String> label : job.preferredLabels().entrySet()) {
            if (label.getValue().equals(labels.get(label.getKey()))) {
                matched++;
            }
        }
        return 100.0 * matched / job.preferredLabels().size();
    }

    @Override
    public double upperBound(PendingJob job, int freeGpuCount, GangView gang) {
        return job.preferredLabels().isEmpty() ? 0.0 : 100.0;
    }
}
