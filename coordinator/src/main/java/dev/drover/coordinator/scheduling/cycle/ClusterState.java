package dev.drover.coordinator.scheduling.cycle;

import dev.drover.coordinator.scheduling.model.NodeView;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The working copy of the whole cluster's free capacity for one cycle, with cheap aggregates over
 * schedulable nodes so that jobs which cannot fit are skipped without scanning every node, and an index
 * of schedulable nodes by free-GPU count (kept current by every {@link Statement} change) so that a
 * replica visits only nodes with room for it, in name order within each count.
 */
public final class ClusterState {
    private final List<NodeCapacity> nodes;
    private final List<NodeCapacity> schedulableNodes;
    private final Map<String, NodeCapacity> byName = new HashMap<>();
    /** nodesByFreeGpus[n] = schedulable nodes with exactly n free GPUs. */
    private final int[] nodesByFreeGpus;
    /** freeGpuIndex[n] = positions in {@link #schedulableNodes} (name order) of the schedulable nodes with exactly n free GPUs. */
    private final NodePositions[] freeGpuIndex;
    private long totalFreeGpus;

    private ClusterState(List<NodeView> views) {
        List<NodeCapacity> all = new ArrayList<>(views.size());
        int largestNode = 0;
        for (NodeView view : views) {
            all.add(new NodeCapacity(view));
            largestNode = Math.max(largestNode, view.gpus().isEmpty() ? 0 : view.gpus().get(view.gpus().size() - 1).index() + 1);
        }
        all.sort(Comparator.comparing(NodeCapacity::name));
        all.forEach(node -> byName.put(node.name(), node));
        this.nodes = Collections.unmodifiableList(all);
        this.schedulableNodes = all.stream().filter(n -> n.view().schedulable()).toList();
        this.nodesByFreeGpus = new int[largestNode + 1];
        this.freeGpuIndex = new NodePositions[largestNode + 1];
        for (int n = 0; n <= largestNode; n++) {
            freeGpuIndex[n] = new NodePositions(schedulableNodes.size());
        }
        for (int position = 0; position < schedulableNodes.size(); position++) {
            NodeCapacity node = schedulableNodes.get(position);
            node.position(position);
            nodesByFreeGpus[node.freeGpuCount()]++;
            freeGpuIndex[node.freeGpuCount()].add(position);
            totalFreeGpus += node.freeGpuCount();
        }
    }

    /** A fresh working copy of the capacity the snapshot's nodes have free. */
    public static ClusterState of(List<NodeView> views) {
        return new ClusterState(views);
    }

    /** Every node, by name. */
    public List<NodeCapacity> nodes() {
        return nodes;
    }

    /** The node of that name, or null when the snapshot has none. */
    public NodeCapacity node(String name) {
        return byName.get(name);
    }

    /** Nodes that are ready, not cordoned and not draining, by name. */
    public List<NodeCapacity> schedulableNodes() {
        return schedulableNodes;
    }

    /** The most free GPUs any schedulable node has now. */
    public int largestFreeGpus() {
        for (int n = nodesByFreeGpus.length - 1; n > 0; n--) {
            if (nodesByFreeGpus[n] > 0) {
                return n;
            }
        }
        return 0;
    }

    /** The most free GPUs a node can ever have in this cycle (one more than the highest GPU index of the snapshot). */
    public int maxGpusPerNode() {
        return nodesByFreeGpus.length - 1;
    }

    /**
     * The position (in {@link #schedulableNodes}, i.e. name order) of the first schedulable node at or after
     * {@code fromPosition} that has exactly {@code freeGpus} free GPUs now, or -1.
     */
    public int nextNodeWithFreeGpus(int freeGpus, int fromPosition) {
        return freeGpuIndex[freeGpus].next(fromPosition);
    }

    /**
     * An upper bound of how many replicas of {@code gpusPerReplica} GPUs the schedulable nodes could take
     * now, by GPUs alone (a replica never spans nodes); no bound for replicas without GPUs.
     */
    public long replicaSlots(int gpusPerReplica) {
        if (gpusPerReplica <= 0) {
            return Long.MAX_VALUE;
        }
        long slots = 0;
        for (int n = gpusPerReplica; n < nodesByFreeGpus.length; n++) {
            slots += (long) nodesByFreeGpus[n] * (n / gpusPerReplica);
        }
        return slots;
    }

    /** Free GPUs over all schedulable nodes now. */
    public long totalFreeGpus() {
        return totalFreeGpus;
    }

    /** Opens a transaction over this state. */
    public Statement statement() {
        return new Statement(this);
    }

    void freeGpusChanged(NodeCapacity node, int before) {
        int after = node.freeGpuCount();
        if (node.position() >= 0 && after != before) {
            nodesByFreeGpus[before]--;
            nodesByFreeGpus[after]++;
            freeGpuIndex[before].remove(node.position());
            freeGpuIndex[after].add(node.position());
            totalFreeGpus += after - before;
        }
    }
}
