package dev.drover.coordinator.scheduling.cycle;

import java.util.ArrayList;
import java.util.List;

/**
 * An in-memory transaction over a {@link ClusterState} (KAI-Scheduler's Statement): a gang's replicas are
 * allocated one by one, and the whole gang is either committed or rolled back, so no partial gang ever
 * holds capacity past its own attempt.
 */
public final class Statement {
    private final ClusterState state;
    private final List<Change> log = new ArrayList<>();

    Statement(ClusterState state) {
        this.state = state;
    }

    /** Takes GPUs, CPUs and memory of one replica on {@code node}. */
    public void allocate(NodeCapacity node, List<Integer> gpus, double cpus, long memoryBytes) {
        List<Integer> taken = List.copyOf(gpus);
        int before = node.freeGpuCount();
        node.takeGpus(taken);
        log.add(new Change(node, taken, node.freeCpus(), node.freeMemoryBytes(), 0));
        node.setFreeCpus(Math.max(0.0, node.freeCpus() - cpus));
        node.setFreeMemoryBytes(node.freeMemoryBytes() - memoryBytes);
        state.freeGpusChanged(node, before);
    }

    /** Takes a port on {@code node} for this cycle, so no later gang gets it as its rendezvous port. */
    public void takePort(NodeCapacity node, int port) {
        node.takePort(port);
        log.add(new Change(node, List.of(), node.freeCpus(), node.freeMemoryBytes(), port));
    }

    /** A point to roll back to; changes after it can be undone without undoing earlier ones. */
    public int checkpoint() {
        return log.size();
    }

    /** Undoes every change made after {@code checkpoint}, newest first. */
    public void rollback(int checkpoint) {
        if (checkpoint < 0 || checkpoint > log.size()) {
            throw new IllegalArgumentException("no such checkpoint: " + checkpoint);
        }
        for (int i = log.size() - 1; i >= checkpoint; i--) {
            Change change = log.remove(i);
            NodeCapacity node = change.node();
            if (change.port() > 0) {
                node.returnPort(change.port());
            } else {
                int before = node.freeGpuCount();
                node.returnGpus(change.gpus());
                node.setFreeCpus(change.cpusBefore());
                node.setFreeMemoryBytes(change.memoryBefore());
                state.freeGpusChanged(node, before);
            }
        }
    }

    /** Undoes everything this statement did. */
    public void discard() {
        rollback(0);
    }

    /** Keeps everything this statement did; later statements see it as taken. */
    public void commit() {
        log.clear();
    }

    /** One undoable change; exact previous values are restored so fractional CPUs never drift. */
    private record Change(NodeCapacity node, List<Integer> gpus, double cpusBefore, long memoryBefore, int port) {
    }
}
