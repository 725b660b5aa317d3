package dev.drover.coordinator.scheduling.model;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/** The immutable input of one scheduling cycle: every known node, every pending job, and the cycle's clock. */
public record ClusterSnapshot(List<NodeView> nodes, List<PendingJob> pending, Instant now) {

    public ClusterSnapshot {
        nodes = List.copyOf(nodes);
        pending = List.copyOf(pending);
        Objects.requireNonNull(now, "now");
        // Plans are keyed by node name and job id; a duplicate would silently lose one of them.
        Set<String> names = new HashSet<>();
        for (NodeView node : nodes) {
            if (!names.add(node.name())) {
                throw new IllegalArgumentException("node " + node.name() + " appears twice in the snapshot");
            }
        }
        Set<String> jobIds = new HashSet<>();
        for (PendingJob job : pending) {
            if (!jobIds.add(job.jobId())) {
                throw new IllegalArgumentException("job " + job.jobId() + " is pending twice in the snapshot");
            }
        }
    }
}
