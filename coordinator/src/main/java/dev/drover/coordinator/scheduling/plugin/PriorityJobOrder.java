package dev.drover.coordinator.scheduling.plugin;

import dev.drover.coordinator.scheduling.model.PendingJob;
import java.util.Comparator;

/** Highest priority first, then first submitted, then job id so that equal submit sequence numbers still order totally. */
public final class PriorityJobOrder implements JobOrder {
    public static final String NAME = "Priority";

    private static final Comparator<PendingJob> ORDER = Comparator
            .comparingInt(PendingJob::priority).reversed()
            .thenComparingLong(PendingJob::submitSeq)
            .thenComparing(PendingJob::jobId);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int compare(PendingJob a, PendingJob b) {
        return ORDER.compare(a, b);
    }
}
