package dev.drover.coordinator.scheduling.cycle;

import dev.drover.coordinator.scheduling.model.GpuSlot;
import dev.drover.coordinator.scheduling.model.NodeView;
import dev.drover.coordinator.scheduling.plugin.NodeState;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * The mutable working copy of one node's free capacity during a cycle. Only a {@link Statement} changes
 * it, so every change can be rolled back.
 */
public final class NodeCapacity implements NodeState {
    private final NodeView view;
    private final BitSet freeGpus = new BitSet();
    private final BitSet healthyGpus = new BitSet();
    private final BitSet portsTakenThisCycle = new BitSet();
    private int freeGpuCount;
    private double freeCpus;
    private long freeMemoryBytes;
    /** Position among the cycle's schedulable nodes in name order, or -1 when the node is not schedulable. */
    private int position = -1;

    NodeCapacity(NodeView view) {
        this.view = view;
        for (GpuSlot gpu : view.gpus()) {
            if (gpu.healthy()) {
                healthyGpus.set(gpu.index());
            }
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

    /** Position among the cycle's schedulable nodes in name order (see {@link ClusterState}), or -1 when not schedulable. */
    public int position() {
        return position;
    }

    void position(int position) {
        this.position = position;
    }

    public boolean isGpuFree(int index) {
        return freeGpus.get(index);
    }

    /**
     * The GPUs a replica of {@code count} GPUs gets here. When the node maps its GPUs to interconnect
     * domains, the replica stays inside one domain if any has room, the one with the fewest free GPUs that
     * fits (best fit keeps larger domains whole for larger replicas); otherwise it takes the fullest domains
     * first. Within a domain it takes the lowest-starting contiguous run of free indices if there is one
     * (neighbouring indices usually share a switch), else the lowest free indices.
     */
    public List<Integer> pickGpus(int count) {
        if (count > freeGpuCount) {
            throw new IllegalStateException("node " + name() + " has " + freeGpuCount + " free GPUs, not " + count);
        }
        if (count == 0) {
            return new ArrayList<>(0);
        }
        if (view.gpuDomains().isEmpty()) {
            return pickFrom(freeGpus, count);
        }
        TreeMap<Integer, BitSet> byDomain = new TreeMap<>();
        for (int i = freeGpus.nextSetBit(0); i >= 0; i = freeGpus.nextSetBit(i + 1)) {
            byDomain.computeIfAbsent(view.domainOf(i), d -> new BitSet()).set(i);
        }
        BitSet bestFit = null;
        for (BitSet domain : byDomain.values()) {
            int free = domain.cardinality();
            if (free >= count && (bestFit == null || free < bestFit.cardinality())) {
                bestFit = domain;
            }
        }
        if (bestFit != null) {
            return pickFrom(bestFit, count);
        }
        List<BitSet> fullestFirst = new ArrayList<>(byDomain.values());
        fullestFirst.sort((a, b) -> Integer.compare(b.cardinality(), a.cardinality()));
        List<Integer> picked = new ArrayList<>(count);
        for (BitSet domain : fullestFirst) {
            picked.addAll(pickFrom(domain, Math.min(count - picked.size(), domain.cardinality())));
            if (picked.size() == count) {
                break;
            }
        }
        picked.sort(null);
        return picked;
    }

    private static List<Integer> pickFrom(BitSet free, int count) {
        List<Integer> picked = new ArrayList<>(count);
        if (count == 0) {
            return picked;
        }
        for (int start = free.nextSetBit(0); start >= 0; ) {
            int end = free.nextClearBit(start);
            if (end - start >= count) {
                for (int i = start; i < start + count; i++) {
                    picked.add(i);
                }
                return picked;
            }
            start = free.nextSetBit(end);
        }
        for (int i = free.nextSetBit(0); picked.size() < count; i = free.nextSetBit(i + 1)) {
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

    /** Frees those of {@code indices} that are healthy and taken; returns them, for the statement to undo. */
    List<Integer> returnAllocatedGpus(List<Integer> indices) {
        List<Integer> returned = new ArrayList<>(indices.size());
        for (int index : indices) {
            if (healthyGpus.get(index) && !freeGpus.get(index)) {
                freeGpus.set(index);
                returned.add(index);
            }
        }
        freeGpuCount += returned.size();
        return returned;
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
