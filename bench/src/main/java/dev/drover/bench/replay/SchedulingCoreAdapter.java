package dev.drover.bench.replay;

import dev.drover.coordinator.scheduling.cycle.SchedulerProfile;
import dev.drover.coordinator.scheduling.cycle.SchedulingCycle;
import dev.drover.coordinator.scheduling.model.ClusterSnapshot;
import dev.drover.coordinator.scheduling.model.Feasibility;
import dev.drover.coordinator.scheduling.model.GpuSlot;
import dev.drover.coordinator.scheduling.model.NodeView;
import dev.drover.coordinator.scheduling.model.PendingJob;
import dev.drover.coordinator.scheduling.model.Placement;
import dev.drover.coordinator.scheduling.model.Plan;
import dev.drover.coordinator.scheduling.model.ReplicaPlacement;
import dev.drover.coordinator.scheduling.plugin.JobOrder;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one place the replay touches the production scheduling core: it turns the simulator's nodes and
 * pending jobs into a {@link ClusterSnapshot}, runs {@link SchedulingCycle#run}, and turns the plan's
 * placements back into GPU assignments. Only the time spent in the core is counted as scheduler CPU. The cycle is the
 * default one with the given job order.
 */
final class SchedulingCoreAdapter {
    static final int PORT_RANGE_START = 29500;
    static final int PORT_RANGE_END = 29999;
    /** The trace has no CPU or memory demand; nodes get a nominal size and jobs ask for none. */
    private static final double NODE_CPUS = 64;
    private static final long NODE_MEMORY = 512L << 30;
    /** Simulated second 0; only the order of instants matters to the core. */
    private static final Instant EPOCH = Instant.parse("2017-09-04T10:30:41Z");

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final String queue;
    private final List<SimulatedNode> nodes;
    private final Map<String, SimulatedNode> nodesByName = new HashMap<>();
    private final NodeView[] views;
    private final int[] viewVersions;
    private final SchedulingCycle cycle;
    private long cpuNanos;
    private long cycles;

    SchedulingCoreAdapter(String queue, List<SimulatedNode> nodes, JobOrder jobOrder) {
        this.queue = queue;
        this.cycle = new SchedulingCycle(SchedulerProfile.defaults().withJobOrder(jobOrder), SchedulingCycle.defaults().actions());
        this.nodes = List.copyOf(nodes);
        for (SimulatedNode node : nodes) {
            nodesByName.put(node.name, node);
        }
        this.views = new NodeView[nodes.size()];
        this.viewVersions = new int[nodes.size()];
    }

    /** Whether the gang fits the queue's empty cluster at all, by the core's own submit-time check. */
    boolean canEverFit(GangShape shape) {
        List<NodeView> all = new ArrayList<>(nodes.size());
        for (SimulatedNode node : nodes) {
            all.add(view(node));
        }
        return Feasibility.check(shape.replicas(), shape.gpusPerReplica(), 0, 0, all).feasible();
    }

    /** Runs one cycle over every node and the given pending jobs; returns the gangs placed, in the core's decision order. */
    List<SimulatedJob.GangAssignment> schedule(List<SimulatedJob> pending, long nowS) {
        List<NodeView> nodeViews = new ArrayList<>(nodes.size());
        for (SimulatedNode node : nodes) {
            nodeViews.add(view(node));
        }
        List<PendingJob> jobs = new ArrayList<>(pending.size());
        Map<String, SimulatedJob> byId = new HashMap<>();
        for (SimulatedJob job : pending) {
            jobs.add(job.coreJob);
            byId.put(job.trace.jobId(), job);
        }
        long before = THREADS.getCurrentThreadCpuTime();
        Plan plan = cycle.plan(new ClusterSnapshot(nodeViews, jobs, EPOCH.plusSeconds(nowS)));
        cpuNanos += THREADS.getCurrentThreadCpuTime() - before;
        cycles++;
        List<SimulatedJob.GangAssignment> assignments = new ArrayList<>(plan.placements().size());
        for (Placement placement : plan.placements()) {
            List<Integer> replicaNodes = new ArrayList<>(placement.replicas().size());
            List<List<Integer>> replicaGpus = new ArrayList<>(placement.replicas().size());
            for (ReplicaPlacement replica : placement.replicas()) {
                replicaNodes.add(nodesByName.get(replica.node()).index);
                replicaGpus.add(replica.gpuIndices());
            }
            SimulatedJob job = byId.get(placement.jobId());
            assignments.add(new SimulatedJob.GangAssignment(job, replicaNodes, replicaGpus,
                    nodesByName.get(placement.masterNode()).index, placement.masterPort()));
        }
        return assignments;
    }

    long cpuNanos() {
        return cpuNanos;
    }

    long cycles() {
        return cycles;
    }

    /** The core's view of a job as it arrives, with the runtime estimate Drover would have then (null: none). */
    PendingJob pendingJob(SimulatedJob job, Duration expectedRuntime) {
        TraceJob trace = job.trace;
        return new PendingJob(trace.jobId(), 0, queue, 0, job.submitSeq, EPOCH.plusSeconds(trace.submitS()),
                job.shape.replicas(), job.shape.gpusPerReplica(), 0, 0).withExpectedRuntime(expectedRuntime);
    }

    /** The node's immutable core view, rebuilt only after the node changed (building one sorts and copies). */
    private NodeView view(SimulatedNode node) {
        NodeView view = views[node.index];
        if (view == null || viewVersions[node.index] != node.version) {
            List<GpuSlot> gpus = new ArrayList<>(node.gpuCount);
            for (int i = 0; i < node.gpuCount; i++) {
                gpus.add(new GpuSlot(i, node.name + "-gpu" + i, true));
            }
            view = new NodeView(node.name, node.name, true, false, false, gpus, Set.copyOf(node.allocatedGpus.stream().boxed().toList()),
                    NODE_CPUS, 0, NODE_MEMORY, 0, Map.of(), PORT_RANGE_START, PORT_RANGE_END,
                    Set.copyOf(node.portsInUse.stream().boxed().toList()));
            views[node.index] = view;
            viewVersions[node.index] = node.version;
        }
        return view;
    }
}
