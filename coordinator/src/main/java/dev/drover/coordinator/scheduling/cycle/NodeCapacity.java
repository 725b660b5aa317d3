package dev.drover.coordinator.scheduling.cycle;

import dev.drover.coordinator.scheduling.model.GpuSlot;
import dev.drover.coordinator.scheduling.model.NodeView;
import dev.drover.coordinator.scheduling.plugin.NodeState;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.OptionalInt;

/**
 * The mutable working copy of one node's free capacity during a cycle. Only a {@link Statement} changes
 * it, so every change can be rolled back.
 */
public final class NodeCapacity implements NodeState {
    private final NodeView view;
    private final BitSet freeGpus = new BitSet();
    private final BitSet portsTakenThisCycle = new BitSet();
    private int freeGpuCount;
    private double freeCpus;
    private long freeMemoryBytes;

    NodeCapacity(NodeView view) {
        this.view = view;
        for (GpuSlot gpu : view.gpus()) {
            if (gpu.healthy() && !view.allocatedGpus().contains(gpu.index())) {
                freeGpus.set(gpu.index());
            }
        }
        this.freeGpuCount = freeGpus.cardinality();
        this.freeCpus = view.freeCpus();
        this.freeMemoryBytes = view.freeMemoryBytes();
    }

    @Override
    public NodeView view() {
        return view;
    }

    @Override
    public String name() {
        return view.name();
    }

    @Override
    public int freeGpuCount() {
        return freeGpuCount;
    }

    @Override
    public double freeCpus() {
        return freeCpus;
    }

    @Override
    public long freeMemoryBytes() {
        return freeMemoryBytes;
    }

    public boolean isGpuFree(int index) {
        return freeGpus.get(index);
    }

    /**
     * The GPUs a replica of {@code count} GPUs gets here: the lowest-starting contiguous run of free
     * indices if there is one (neighbouring indices usually share a PCIe switch or NVLink domain), else the
     * lowest free indices.
     */
    public List<Integer> pickGpus(int count) {
        if (count > freeGpuCount) {
            throw new IllegalStateException("node " + name() + " has " + freeGpuCount + " free GPUs, not " + count);
        }
        List<Integer> picked = new ArrayList<>(count);
        if (count == 0) {
            return picked;
        }
        for (int start = freeGpus.nextSetBit(0); start >= 0; ) {
            int end = freeGpus.nextClearBit(start);
            if (end - start >= count) {
                for (int i = start; i < start + count; i++) {
                    picked.add(i);
                }
                return picked;
            }
            start = freeGpus.nextSetBit(end);
        }
        for (int i = freeGpus.nextSetBit(0); picked.size() < count; i = freeGpus.nextSetBit(i + 1)) {
            picked.add(i);
        }
        return picked;
    }

    /** The lowest port of the node's range that is neither in use on the node nor taken earlier in this cycle. */
    public OptionalInt lowestFreePort() {
        for (int port = view.portRangeStart(); port <= view.portRangeEnd() && port > 0; port++) {
            if (!view.portsInUse().contains(port) && !portsTakenThisCycle.get(port)) {
                return OptionalInt.of(port);
            }
        }
        return OptionalInt.empty();
    }

    void takeGpus(List<Integer> indices) {
        for (int index : indices) {
            if (!freeGpus.get(index)) {
                throw new IllegalStateException("GPU " + index + " of node " + name() + " is not free");
            }
            freeGpus.clear(index);
        }
        freeGpuCount -= indices.size();
    }

    void returnGpus(List<Integer> indices) {
        for (int index : indices) {
            freeGpus.set(index);
        }
        freeGpuCount += indices.size();
    }

    void setFreeCpus(double cpus) {
        this.freeCpus = cpus;
    }

    void setFreeMemoryBytes(long bytes) {
        this.freeMemoryBytes = bytes;
    }

    void takePort(int port) {
        if (portsTakenThisCycle.get(port) || view.portsInUse().contains(port)) {
            throw new IllegalStateException("port " + port + " of node " + name() + " is not free");
        }
        portsTakenThisCycle.set(port);
    }

    void returnPort(int port) {
        portsTakenThisCycle.clear(port);
    }
}
