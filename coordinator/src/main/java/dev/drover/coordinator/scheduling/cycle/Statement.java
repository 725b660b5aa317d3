package dev.drover.coordinator.scheduling.cycle;

import java.util.ArrayList;
import java.util.List;

/**
 * An in-memory transaction over a {@link ClusterState} (KAI-Scheduler's Statement): a gang's replicas are
 * allocated one by one, and the whole gang is either committed or rolled back, so no partial gang ever
 * holds capacity past its own attempt. Preemption trials also release running gangs in a statement, and
 * reservations hold capacity in one that stays open while other statements commit.
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
        log.add(new Change(Kind.ALLOCATE, node, taken, node.freeCpus(), node.freeMemoryBytes(), 0));
        node.setFreeCpus(Math.max(0.0, node.freeCpus() - cpus));
        node.setFreeMemoryBytes(node.freeMemoryBytes() - memoryBytes);
        state.freeGpusChanged(node, before);
    }

    /**
     * Gives back, for a trial, what one replica of a running gang holds on {@code node}: its healthy GPUs
     * (an unhealthy GPU stays unusable when its job stops), its CPUs and its memory.
     */
    public void release(NodeCapacity node, List<Integer> gpus, double cpus, long memoryBytes) {
        int before = node.freeGpuCount();
        List<Integer> released = node.returnAllocatedGpus(gpus);
        log.add(new Change(Kind.RELEASE, node, released, node.freeCpus(), node.freeMemoryBytes(), 0));
        node.setFreeCpus(Math.min(node.view().cpus(), node.freeCpus() + cpus));
        node.setFreeMemoryBytes(Math.min(node.view().memoryBytes(), node.freeMemoryBytes() + memoryBytes));
        state.freeGpusChanged(node, before);
    }

    /**
     * Holds free GPUs and as much of the CPUs and memory as is free, for a job that starts later. Unlike an
     * allocation it is undone by amounts, not by restoring earlier values, because a hold stays open while
     * other statements commit on the same node.
     */
    public void hold(NodeCapacity node, List<Integer> gpus, double cpus, long memoryBytes) {
        List<Integer> taken = List.copyOf(gpus);
        int before = node.freeGpuCount();
        node.takeGpus(taken);
        double cpusHeld = Math.min(cpus, node.freeCpus());
        long memoryHeld = Math.min(memoryBytes, node.freeMemoryBytes());
        node.setFreeCpus(node.freeCpus() - cpusHeld);
        node.setFreeMemoryBytes(node.freeMemoryBytes() - memoryHeld);
        log.add(new Change(Kind.HOLD, node, taken, cpusHeld, memoryHeld, 0));
        state.freeGpusChanged(node, before);
    }

    /** Takes a port on {@code node} for this cycle, so no later gang gets it as its rendezvous port. */
    public void takePort(NodeCapacity node, int port) {
        node.takePort(port);
        log.add(new Change(Kind.PORT, node, List.of(), node.freeCpus(), node.freeMemoryBytes(), port));
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
            int before = node.freeGpuCount();
            switch (change.kind()) {
                case PORT -> node.returnPort(change.port());
                case ALLOCATE -> {
                    node.returnGpus(change.gpus());
                    node.setFreeCpus(change.cpus());
                    node.setFreeMemoryBytes(change.memory());
                }
                case RELEASE -> {
                    node.takeGpus(change.gpus());
                    node.setFreeCpus(change.cpus());
                    node.setFreeMemoryBytes(change.memory());
                }
                case HOLD -> {
                    node.returnGpus(change.gpus());
                    node.setFreeCpus(node.freeCpus() + change.cpus());
                    node.setFreeMemoryBytes(node.freeMemoryBytes() + change.memory());
                }
            }
            state.freeGpusChanged(node, before);
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

    private enum Kind { ALLOCATE, RELEASE, HOLD, PORT }

    /**
     * One undoable change. Allocations and releases restore exact previous values so fractional CPUs never
     * drift; holds record the amounts they took ({@code cpus}, {@code memory}) and give those back.
     */
    private record Change(Kind kind, NodeCapacity node, List<Integer> gpus, double cpus, long memory, int port) {
    }
}
