package dev.drover.coordinator.scheduling.plugin;

import dev.drover.coordinator.scheduling.model.PendingJob;
import java.util.List;

/** A stage that rules a node in or out for one replica of a job. Filters run cheapest first; the first rejection counts. */
public interface NodeFilter {

    /** Stable name, the key of {@code PendingReason.rejectedNodesByFilter}. */
    String name();

    FilterResult filter(PendingJob job, NodeState node);

    /** The pending-reason code when this filter is the main reason no node takes a replica. */
    String reasonCode();

    /** One clause for the pending reason, e.g. "1 node cordoned" or "3 nodes short of free GPUs (largest free: 2)". */
    String describeRejections(PendingJob job, List<? extends NodeState> rejected);
}
