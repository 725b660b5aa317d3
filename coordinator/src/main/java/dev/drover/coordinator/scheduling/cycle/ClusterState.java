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
 * schedulable nodes so that jobs which cannot fit are skipped without scanning every node.
 */
public final class ClusterState {
    private final List<NodeCapacity> nodes;
    private final List<NodeCapacity> schedulableNodes;
    private final Map<String, NodeCapacity> byName = new HashMap<>();
    /** nodesByFreeGpus[n] = schedulable nodes with exactly n free GPUs. */
    private final int[] nodesByFreeGpus;
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
        for (NodeCapacity node : schedulableNodes) {
            nodesByFreeGpus[node.freeGpuCount()]++;
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

    /** Free GPUs over all schedulable nodes now. */
    public long totalFreeGpus() {
        return totalFreeGpus;
    }

    /** Opens a transaction over this state. */
    public Statement statement() {
        return new Statement(this);
    }

    void freeGpusChanged(NodeCapacity node, int before) {
        if (node.view().schedulable()) {
            nodesByFreeGpus[before]--;
            nodesByFreeGpus[node.freeGpuCount()]++;
            totalFreeGpus += node.freeGpuCount() - before;
        }
    }
}
