package dev.drover.coordinator.scheduling.action;

import dev.drover.coordinator.scheduling.cycle.ClusterState;
import dev.drover.coordinator.scheduling.cycle.CycleSession;
import dev.drover.coordinator.scheduling.cycle.NodeCapacity;
import dev.drover.coordinator.scheduling.cycle.NodeSearch;
import dev.drover.coordinator.scheduling.cycle.ReplicaClaim;
import dev.drover.coordinator.scheduling.cycle.Statement;
import dev.drover.coordinator.scheduling.model.PendingJob;
import dev.drover.coordinator.scheduling.model.PendingReason;
import dev.drover.coordinator.scheduling.model.Placement;
import dev.drover.coordinator.scheduling.model.ReplicaPlacement;
import dev.drover.coordinator.scheduling.plugin.GangView;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Places one gang all-or-nothing inside a {@link Statement}: replicas go one by one to the best-scoring
 * node that passes every filter; if one does not fit, or no node of the gang has a rendezvous port, the
 * statement is rolled back and the gang holds nothing.
 */
public final class GangPlacement implements GangView {
    private final PendingJob job;
    private final CycleSession session;
    private final Set<String> usedNodes = new HashSet<>();
    private final Set<String> usedRacks = new HashSet<>();
    private final Set<String> usedNvlinkDomains = new HashSet<>();
    private final List<NodeCapacity> replicaNodes = new ArrayList<>();
    private final List<List<Integer>> replicaGpus = new ArrayList<>();
    /** Distinct nodes of the gang, in the order it first landed on them. */
    private final List<NodeCapacity> gangNodes = new ArrayList<>();
    /** Scratch space of the indexed search: score bounds by free-GPU count, and their maxima from that count up. */
    private double[] bounds;
    private double[] boundsFromHere;

    private GangPlacement(PendingJob job, CycleSession session) {
        this.job = job;
        this.session = session;
    }

    /**
     * Tries to place {@code job} on the session's capacity and commits it if the whole gang fits. When the
     * gang fits but has no port, the session is told why; any other failure is left to the cycle's diagnosis.
     */
    public static Optional<Placement> place(PendingJob job, CycleSession session) {
        return new GangPlacement(job, session).place();
    }

    @Override
    public boolean usesNode(String nodeName) {
        return usedNodes.contains(nodeName);
    }

    /**
     * Whether {@code job} would fit, as a whole gang, inside {@code statement} as it stands (e.g. with
     * running gangs released for a preemption trial): where its replicas would go, or null. The statement
     * is left as it was; ports are not checked, since the capacity is not taken now.
     */
    public static List<ReplicaClaim> trial(PendingJob job, CycleSession session, Statement statement) {
        GangPlacement gang = new GangPlacement(job, session);
        int checkpoint = statement.checkpoint();
        boolean fits = gang.allocateReplicas(statement);
        statement.rollback(checkpoint);
        if (!fits) {
            return null;
        }
        List<ReplicaClaim> claims = new ArrayList<>(job.replicas());
        for (int i = 0; i < gang.replicaNodes.size(); i++) {
            claims.add(new ReplicaClaim(gang.replicaNodes.get(i), gang.replicaGpus.get(i), job.cpusPerReplica(), job.memoryPerReplica()));
        }
        return claims;
    }

    @Override
    public boolean usesRack(String rack) {
        return usedRacks.contains(rack);
    }

    @Override
    public boolean usesNvlinkDomain(String domain) {
        return usedNvlinkDomains.contains(domain);
    }

    @Override
    public int replicasPlaced() {
        return replicaNodes.size();
    }

    @Override
    public boolean usesAnyRack() {
        return !usedRacks.isEmpty();
    }

    @Override
    public boolean usesAnyNvlinkDomain() {
        return !usedNvlinkDomains.isEmpty();
    }

    /** Allocates every replica in {@code statement}, best node first; false (with replicas left allocated) when one does not fit. */
    private boolean allocateReplicas(Statement statement) {
        // Not enough room by GPU count alone: the replica-by-replica attempt below would fail the same way.
        if (session.state().replicaSlots(job.gpusPerReplica()) < job.replicas()) {
            return false;
        }
        for (int replica = 0; replica < job.replicas(); replica++) {
            NodeCapacity node = bestNode();
            if (node == null) {
                return false;
            }
            List<Integer> gpus = node.pickGpus(job.gpusPerReplica());
            statement.allocate(node, gpus, job.cpusPerReplica(), job.memoryPerReplica());
            if (usedNodes.add(node.name())) {
                gangNodes.add(node);
            }
            String rack = node.view().rack();
            if (rack != null) {
                usedRacks.add(rack);
            }
            String nvlinkDomain = node.view().nvlinkDomain();
            if (nvlinkDomain != null) {
                usedNvlinkDomains.add(nvlinkDomain);
            }
            replicaNodes.add(node);
            replicaGpus.add(gpus);
        }
        return true;
    }

    private Optional<Placement> place() {
        Statement statement = session.state().statement();
        if (!allocateReplicas(statement)) {
            statement.discard();
            return Optional.empty();
        }
        // Nodes in the order the gang first landed on them; rank 0 goes to the first that has a free port.
        Map<NodeCapacity, List<Integer>> replicasByNode = new LinkedHashMap<>();
        for (int i = 0; i < replicaNodes.size(); i++) {
            replicasByNode.computeIfAbsent(replicaNodes.get(i), n -> new ArrayList<>()).add(i);
        }
        NodeCapacity master = null;
        int port = 0;
        for (NodeCapacity node : replicasByNode.keySet()) {
            OptionalInt free = node.lowestFreePort();
            if (free.isPresent()) {
                master = node;
                port = free.getAsInt();
                break;
            }
        }
        if (master == null) {
            statement.discard();
            session.explain(job.jobId(), noFreePort(replicasByNode.keySet()));
            return Optional.empty();
        }
        statement.takePort(master, port);
        List<NodeCapacity> nodeOrder = new ArrayList<>(replicasByNode.keySet());
        nodeOrder.remove(master);
        nodeOrder.add(0, master);
        List<ReplicaPlacement> replicas = new ArrayList<>(job.replicas());
        int rank = 0;
        for (int nodeRank = 0; nodeRank < nodeOrder.size(); nodeRank++) {
            NodeCapacity node = nodeOrder.get(nodeRank);
            List<Integer> local = replicasByNode.get(node);
            for (int localRank = 0; localRank < local.size(); localRank++) {
                replicas.add(new ReplicaPlacement(rank++, node.name(), replicaGpus.get(local.get(localRank)), nodeRank,
                        localRank, local.size()));
            }
        }
        statement.commit();
        return Optional.of(new Placement(job.jobId(), job.attempt(), replicas, master.name(), master.view().address(), port,
                nodeOrder.size()));
    }

    /**
     * The highest-scoring node that passes every filter, the lowest name winning ties; null when none does.
     * Only schedulable nodes with enough free GPUs are candidates, as {@link dev.drover.coordinator.scheduling.plugin.GpuFitFilter} would say.
     */
    private NodeCapacity bestNode() {
        return session.nodeSearch() == NodeSearch.FULL_SCAN ? scanEveryNode() : searchIndex();
    }

    /** The reference: every candidate in name order, so the first best wins ties by name. */
    private NodeCapacity scanEveryNode() {
        NodeCapacity best = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (NodeCapacity node : session.state().schedulableNodes()) {
            // The GPU count rules out most nodes of a busy cluster; checking it first skips the filter chain for them.
            if (node.freeGpuCount() < job.gpusPerReplica() || !session.passesFilters(job, node)) {
                continue;
            }
            double score = session.score(job, node, this);
            if (score > bestScore) {
                best = node;
                bestScore = score;
            }
        }
        return best;
    }

    /**
     * The same node as {@link #scanEveryNode}, visiting fewer: first the nodes the gang already uses (the
     * only ones gang-aware scorers favour beyond their bounds), then the other candidates by free-GPU count,
     * fewest first and in name order within a count. A count whose score bound is below the best score
     * found is skipped, and the search ends when no count left can reach it; within a count it ends once
     * the best found reaches the count's bound and has a lower name than every node left there. With the
     * default profile and no preferences the first candidate that passes the filters in the smallest
     * sufficient count is the answer, so a replica costs a few node visits instead of a scan of the cluster.
     */
    private NodeCapacity searchIndex() {
        ClusterState state = session.state();
        int needed = job.gpusPerReplica();
        int most = state.maxGpusPerNode();
        NodeCapacity best = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        int bestPosition = Integer.MAX_VALUE;
        for (NodeCapacity node : gangNodes) {
            if (node.position() < 0 || node.freeGpuCount() < needed || !session.passesFilters(job, node)) {
                continue;
            }
            double score = session.score(job, node, this);
            if (score > bestScore || (best != null && score == bestScore && node.position() < bestPosition)) {
                best = node;
                bestScore = score;
                bestPosition = node.position();
            }
        }
        if (needed > most) {
            return best;
        }
        if (bounds == null) {
            bounds = new double[most + 2];
            boundsFromHere = new double[most + 2];
        }
        boundsFromHere[most + 1] = Double.NEGATIVE_INFINITY;
        for (int free = most; free >= needed; free--) {
            bounds[free] = session.scoreBound(job, free, this);
            boundsFromHere[free] = Math.max(bounds[free], boundsFromHere[free + 1]);
        }
        for (int free = needed; free <= most; free++) {
            if (boundsFromHere[free] < bestScore) {
                break;
            }
            double bound = bounds[free];
            if (bound < bestScore) {
                continue;
            }
            for (int position = state.nextNodeWithFreeGpus(free, 0); position >= 0;
                 position = state.nextNodeWithFreeGpus(free, position + 1)) {
                if (bestScore >= bound && bestPosition < position) {
                    break; // every node left here scores at most the bound and loses a tie by name
                }
                NodeCapacity node = state.schedulableNodes().get(position);
                if ((!gangNodes.isEmpty() && usedNodes.contains(node.name())) || !session.passesFilters(job, node)) {
                    continue;
                }
                double score = session.score(job, node, this);
                if (score > bestScore || (best != null && score == bestScore && position < bestPosition)) {
                    best = node;
                    bestScore = score;
                    bestPosition = position;
                }
            }
        }
        return best;
    }

    private PendingReason noFreePort(Set<NodeCapacity> nodes) {
        List<String> described = new ArrayList<>();
        for (NodeCapacity node : nodes) {
            described.add(node.name() + " (" + node.view().portRangeStart() + "-" + node.view().portRangeEnd() + ")");
        }
        return new PendingReason(PendingReason.NO_FREE_PORT,
                "the gang fits, but no free rendezvous port on " + String.join(", ", described), Map.of());
    }
}
