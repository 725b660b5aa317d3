package dev.drover.coordinator.scheduling.model;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The immutable input of one scheduling cycle: every known node, every pending and running job, the
 * queues, the policy switches, and the cycle's clock.
 */
public record ClusterSnapshot(List<NodeView> nodes, List<PendingJob> pending, Instant now, List<RunningJob> running,
                              List<QueueView> queues, SchedulerConfig config) {

    public ClusterSnapshot {
        nodes = List.copyOf(nodes);
        pending = List.copyOf(pending);
        Objects.requireNonNull(now, "now");
        running = List.copyOf(running);
        queues = List.copyOf(queues);
        config = config == null ? SchedulerConfig.defaults() : config;
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
        Set<String> runningIds = new HashSet<>();
        for (RunningJob job : running) {
            if (!runningIds.add(job.jobId())) {
                throw new IllegalArgumentException("job " + job.jobId() + " is running twice in the snapshot");
            }
        }
        Set<String> queueNames = new HashSet<>();
        for (QueueView queue : queues) {
            if (!queueNames.add(queue.name())) {
                throw new IllegalArgumentException("queue " + queue.name() + " appears twice in the snapshot");
            }
        }
    }

    /** Nodes and pending jobs only: nothing running that the scheduler may move, the default queue, default policies. */
    public ClusterSnapshot(List<NodeView> nodes, List<PendingJob> pending, Instant now) {
        this(nodes, pending, now, List.of(), List.of(), SchedulerConfig.defaults());
    }
}
