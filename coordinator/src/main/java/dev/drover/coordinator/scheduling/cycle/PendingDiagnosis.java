package dev.drover.coordinator.scheduling.cycle;

import dev.drover.coordinator.scheduling.model.Feasibility;
import dev.drover.coordinator.scheduling.model.PendingJob;
import dev.drover.coordinator.scheduling.model.PendingReason;
import dev.drover.coordinator.scheduling.model.Placement;
import dev.drover.coordinator.scheduling.model.Quantities;
import dev.drover.coordinator.scheduling.model.ReplicaPlacement;
import dev.drover.coordinator.scheduling.plugin.NodeFilter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Explains, after the actions ran, why a job is still pending (Nomad's AllocMetric): it replays the
 * filters against the capacity left at the end of the cycle, so the counts describe what the job waits
 * on until the next cycle. Work is shared between jobs of the same shape.
 */
final class PendingDiagnosis {
    private final CycleSession session;
    private final Map<JobShape, Analysis> current = new HashMap<>();
    private final Map<JobShape, Set<String>> nodesWithRoomAtStart = new HashMap<>();
    private final Map<BlockerKey, Optional<PendingJob>> blockers = new HashMap<>();
    /** The reason depends on the job's shape and priority alone, so a backlog of 100,000 jobs of a few shapes builds a few reasons. */
    private final Map<BlockerKey, PendingReason> reasons = new HashMap<>();
    private ClusterState start;

    PendingDiagnosis(CycleSession session) {
        this.session = session;
    }

    PendingReason explain(PendingJob job) {
        return reasons.computeIfAbsent(new BlockerKey(JobShape.of(job), job.priority()), key -> diagnose(job));
    }

    private PendingReason diagnose(PendingJob job) {
        if (session.snapshot().nodes().isEmpty()) {
            return new PendingReason(PendingReason.NO_NODES, "no nodes are registered", Map.of());
        }
        JobShape shape = JobShape.of(job);
        Feasibility feasible = session.feasibility(job);
        Analysis analysis = current.computeIfAbsent(shape, s -> analyse(job, session.state()));
        if (!feasible.feasible()) {
            return new PendingReason(PendingReason.NEVER_FITS, "can never fit the registered nodes: " + feasible.message(),
                    analysis.rejectedByFilter());
        }
        // Jobs of one shape and priority share their blocker: the placements it is searched in are the same.
        PendingJob blocker = blockers.computeIfAbsent(new BlockerKey(shape, job.priority()),
                key -> Optional.ofNullable(higherPriorityBlocker(job, shape))).orElse(null);
        if (blocker != null) {
            return new PendingReason(PendingReason.WAITING_FOR_HIGHER_PRIORITY,
                    "waiting behind higher-priority job " + blocker.jobId() + " (priority " + blocker.priority() + ")",
                    analysis.rejectedByFilter());
        }
        return new PendingReason(analysis.code(), describe(job) + " does not fit: " + analysis.explanation(),
                analysis.rejectedByFilter());
    }

    /**
     * A job blocked only because jobs of strictly higher priority took, in this cycle, capacity it could
     * have used at the start of the cycle, waits behind the first of them.
     */
    private PendingJob higherPriorityBlocker(PendingJob job, JobShape shape) {
        Set<String> roomAtStart = nodesWithRoomAtStart.computeIfAbsent(shape, s -> nodesWithRoom(job));
        if (roomAtStart.isEmpty()) {
            return null;
        }
        for (PendingJob placed : session.placedJobs()) {
            if (placed.priority() <= job.priority()) {
                continue;
            }
            Placement placement = session.placementOf(placed.jobId());
            for (ReplicaPlacement replica : placement.replicas()) {
                if (roomAtStart.contains(replica.node())) {
                    return placed;
                }
            }
        }
        return null;
    }

    /** Nodes that could take a replica at the start of the cycle, or none if the whole gang did not fit then either. */
    private Set<String> nodesWithRoom(PendingJob job) {
        if (start == null) {
            start = ClusterState.of(session.snapshot().nodes());
        }
        Set<String> nodes = new HashSet<>();
        long room = 0;
        for (NodeCapacity node : start.nodes()) {
            if (session.passesFilters(job, node)) {
                long fit = roomFor(job, node);
                if (fit > 0) {
                    nodes.add(node.name());
                    room += fit;
                }
            }
        }
        return room >= job.replicas() ? nodes : Set.of();
    }

    private Analysis analyse(PendingJob job, ClusterState state) {
        List<NodeFilter> filters = session.profile().filters();
        List<List<NodeCapacity>> rejected = new ArrayList<>();
        for (int i = 0; i < filters.size(); i++) {
            rejected.add(new ArrayList<>());
        }
        int passing = 0;
        long room = 0;
        for (NodeCapacity node : state.nodes()) {
            int rejectedBy = -1;
            for (int i = 0; i < filters.size() && rejectedBy < 0; i++) {
                if (!filters.get(i).filter(job, node).passed()) {
                    rejectedBy = i;
                }
            }
            if (rejectedBy >= 0) {
                rejected.get(rejectedBy).add(node);
            } else {
                long fit = roomFor(job, node);
                if (fit > 0) {
                    passing++;
                    room += fit;
                }
            }
        }
        Map<String, Integer> counts = new LinkedHashMap<>();
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < filters.size(); i++) {
            if (!rejected.get(i).isEmpty()) {
                counts.put(filters.get(i).name(), rejected.get(i).size());
                order.add(i);
            }
        }
        // Most rejections first: the biggest obstacle leads the sentence; ties keep filter order.
        order.sort((a, b) -> Integer.compare(rejected.get(b).size(), rejected.get(a).size()));
        List<String> clauses = new ArrayList<>();
        for (int i : order) {
            clauses.add(filters.get(i).describeRejections(job, rejected.get(i)));
        }
        String code;
        if (passing > 0) {
            code = PendingReason.GANG_DOES_NOT_FIT;
            String roomClause = "room for " + Math.min(room, job.replicas()) + " of " + job.replicas() + " replicas on "
                    + Quantities.nodes(passing);
            clauses.add(0, roomClause);
        } else {
            code = mainObstacle(filters, rejected);
        }
        String explanation = clauses.isEmpty() ? "no node can take it in this cycle" : String.join(", ", clauses);
        return new Analysis(code, explanation, counts);
    }

    /** The code of the resource filter that rejected most nodes; node flags only when nothing else rejected any. */
    private static String mainObstacle(List<NodeFilter> filters, List<List<NodeCapacity>> rejected) {
        String code = PendingReason.NO_SCHEDULABLE_NODES;
        int most = 0;
        for (int i = 0; i < filters.size(); i++) {
            String filterCode = filters.get(i).reasonCode();
            int count = rejected.get(i).size();
            if (!filterCode.equals(PendingReason.NO_SCHEDULABLE_NODES) && count > most) {
                code = filterCode;
                most = count;
            }
        }
        return code;
    }

    private static long roomFor(PendingJob job, NodeCapacity node) {
        return Feasibility.replicasThatFit(node.freeGpuCount(), node.freeCpus(), node.freeMemoryBytes(),
                job.gpusPerReplica(), job.cpusPerReplica(), job.memoryPerReplica(), job.replicas());
    }

    static String describe(PendingJob job) {
        return JobShape.of(job).describe();
    }

    private record BlockerKey(JobShape shape, int priority) {
    }

    private record Analysis(String code, String explanation, Map<String, Integer> rejectedByFilter) {
    }
}
