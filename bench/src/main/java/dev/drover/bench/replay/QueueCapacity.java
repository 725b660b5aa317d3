package dev.drover.bench.replay;

import java.util.Objects;

/** The cluster one queue (a Philly virtual cluster) runs on: a number of identical nodes. */
public record QueueCapacity(String queue, int nodes, int gpusPerNode) {

    public QueueCapacity {
        Objects.requireNonNull(queue, "queue");
        if (nodes < 1 || gpusPerNode < 1) {
            throw new IllegalArgumentException("queue " + queue + " needs at least one node and one GPU per node");
        }
    }

    public long gpus() {
        return (long) nodes * gpusPerNode;
    }

    /** The same queue with its node count multiplied by {@code factor}, rounded, and at least one node. */
    public QueueCapacity scaled(double factor) {
        if (!(factor > 0)) {
            throw new IllegalArgumentException("capacity scale must be > 0: " + factor);
        }
        return new QueueCapacity(queue, (int) Math.max(1, Math.round(nodes * factor)), gpusPerNode);
    }
}
