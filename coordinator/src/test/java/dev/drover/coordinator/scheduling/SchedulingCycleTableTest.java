package dev.drover.coordinator.scheduling;

import static dev.drover.coordinator.scheduling.TestClusters.GIB;
import static dev.drover.coordinator.scheduling.TestClusters.NOW;
import static dev.drover.coordinator.scheduling.TestClusters.job;
import static dev.drover.coordinator.scheduling.TestClusters.node;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.drover.coordinator.scheduling.TestClusters.NodeBuilder;
import dev.drover.coordinator.scheduling.cycle.SchedulingCycle;
import dev.drover.coordinator.scheduling.model.ClusterSnapshot;
import dev.drover.coordinator.scheduling.model.PendingJob;
import dev.drover.coordinator.scheduling.model.PendingReason;
import dev.drover.coordinator.scheduling.model.Placement;
import dev.drover.coordinator.scheduling.model.Plan;
import dev.drover.coordinator.scheduling.model.ReplicaPlacement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Nodes x GPUs x states and jobs in, exact placements and pending reasons out. */
class SchedulingCycleTableTest {

    /** One row: a cluster, the pending jobs, every expected placement and reason rendered as text. */
    record Case(String name, List<NodeBuilder> nodes, List<PendingJob> jobs, List<String> placements, Map<String, String> reasons) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                new Case("one replica takes the lowest GPUs and the lowest port",
                        List.of(node("a", 8)),
                        List.of(job("j1", 0, 1, 1, 2)),
                        List.of("j1 a@29500 nodes=1 | r0 a [0, 1] n0 l0/1"),
                        Map.of()),
                new Case("bin-pack prefers the node left with the fewest free GPUs",
                        List.of(node("a", 8), node("b", 8).allocated(0, 1)),
                        List.of(job("j1", 0, 1, 1, 2)),
                        List.of("j1 b@29500 nodes=1 | r0 b [2, 3] n0 l0/1"),
                        Map.of()),
                new Case("a contiguous run of free GPUs wins over the lowest indices",
                        List.of(node("a", 8).allocated(1)),
                        List.of(job("j1", 0, 1, 1, 2)),
                        List.of("j1 a@29500 nodes=1 | r0 a [2, 3] n0 l0/1"),
                        Map.of()),
                new Case("without a contiguous run the lowest free indices are used",
                        List.of(node("a", 8).allocated(1, 3, 5, 7)),
                        List.of(job("j1", 0, 1, 1, 2)),
                        List.of("j1 a@29500 nodes=1 | r0 a [0, 2] n0 l0/1"),
                        Map.of()),
                new Case("a gang packs onto one node when it can",
                        List.of(node("a", 8), node("b", 8)),
                        List.of(job("j1", 0, 1, 2, 4)),
                        List.of("j1 a@29500 nodes=1 | r0 a [0, 1, 2, 3] n0 l0/2 | r1 a [4, 5, 6, 7] n0 l1/2"),
                        Map.of()),
                new Case("a gang spanning nodes numbers nodes by lowest rank",
                        List.of(node("a", 8), node("b", 8)),
                        List.of(job("j1", 0, 1, 3, 4)),
                        List.of("j1 a@29500 nodes=2 | r0 a [0, 1, 2, 3] n0 l0/2 | r1 a [4, 5, 6, 7] n0 l1/2 | r2 b [0, 1, 2, 3] n1 l0/1"),
                        Map.of()),
                new Case("a partial gang holds nothing and the next job takes the capacity",
                        List.of(node("a", 8), node("b", 8).allocated(0, 1, 2, 3)),
                        List.of(job("big", 10, 1, 2, 6), job("small", 0, 2, 1, 8)),
                        List.of("small a@29500 nodes=1 | r0 a [0, 1, 2, 3, 4, 5, 6, 7] n0 l0/1"),
                        Map.of("big", "INSUFFICIENT_GPUS: gang of 2 x 6 GPUs does not fit: 2 nodes short of free GPUs (largest free: 4)"
                                + " {GpuFit=2}")),
                new Case("higher priority first, whatever the submit order",
                        List.of(node("a", 8)),
                        List.of(job("low", 0, 1, 1, 8), job("high", 5, 2, 1, 8)),
                        List.of("high a@29500 nodes=1 | r0 a [0, 1, 2, 3, 4, 5, 6, 7] n0 l0/1"),
                        Map.of("low", "WAITING_FOR_HIGHER_PRIORITY: waiting behind higher-priority job high (priority 5)"
                                + " {GpuFit=1}")),
                new Case("equal priority goes by submit order",
                        List.of(node("a", 8)),
                        List.of(job("second", 3, 2, 1, 8), job("first", 3, 1, 1, 8)),
                        List.of("first a@29500 nodes=1 | r0 a [0, 1, 2, 3, 4, 5, 6, 7] n0 l0/1"),
                        Map.of("second", "INSUFFICIENT_GPUS: replica of 8 GPUs does not fit: 1 node short of free GPUs (largest free: 0)"
                                + " {GpuFit=1}")),
                new Case("a blocked job does not block lower priority jobs",
                        List.of(node("a", 4)),
                        List.of(job("huge", 9, 1, 1, 8), job("fits", 1, 2, 1, 4)),
                        List.of("fits a@29500 nodes=1 | r0 a [0, 1, 2, 3] n0 l0/1"),
                        Map.of("huge", "NEVER_FITS: can never fit the registered nodes: needs 8 GPUs per replica; the largest node has 4"
                                + " {GpuFit=1}")),
                new Case("unhealthy GPUs and unschedulable nodes are never used",
                        List.of(node("ok", 8).unhealthy(0, 1), node("cordoned", 8).cordoned(), node("draining", 8).draining(),
                                node("down", 8).notReady()),
                        List.of(job("whole", 5, 1, 1, 8), job("six", 0, 2, 1, 6)),
                        List.of("six ok@29500 nodes=1 | r0 ok [2, 3, 4, 5, 6, 7] n0 l0/1"),
                        Map.of("whole", "INSUFFICIENT_GPUS: replica of 8 GPUs does not fit: 1 node not ready, 1 node cordoned,"
                                + " 1 node draining, 1 node short of free GPUs (largest free: 0; 1 with unhealthy GPUs)"
                                + " {NodeReady=1, NodeNotCordoned=1, NodeNotDraining=1, GpuFit=1}")),
                new Case("every node unschedulable",
                        List.of(node("c1", 8).cordoned(), node("c2", 8).cordoned(), node("down", 8).notReady()),
                        List.of(job("j1", 0, 1, 1, 1)),
                        List.of(),
                        Map.of("j1", "NO_SCHEDULABLE_NODES: replica of 1 GPU does not fit: 2 nodes cordoned, 1 node not ready"
                                + " {NodeReady=1, NodeNotCordoned=2}")),
                new Case("gang does not fit: room counted per replica",
                        List.of(node("a", 8).allocated(0, 1, 2, 3), node("b", 8).allocated(0, 1, 2, 3, 4, 5), node("c", 8).cordoned()),
                        List.of(job("j1", 0, 1, 2, 4)),
                        List.of(),
                        Map.of("j1", "GANG_DOES_NOT_FIT: gang of 2 x 4 GPUs does not fit: room for 1 of 2 replicas on 1 node,"
                                + " 1 node cordoned, 1 node short of free GPUs (largest free: 2) {NodeNotCordoned=1, GpuFit=1}")),
                new Case("no nodes at all",
                        List.of(),
                        List.of(job("j1", 0, 1, 1, 1)),
                        List.of(),
                        Map.of("j1", "NO_NODES: no nodes are registered {}")),
                new Case("not enough free CPUs",
                        List.of(node("a", 8).cpus(8, 2)),
                        List.of(job("j1", 0, 1, 1, 1, 8, GIB)),
                        List.of(),
                        Map.of("j1", "INSUFFICIENT_CPUS: replica of 1 GPU does not fit: 1 node short of free CPUs (largest free: 6 CPUs)"
                                + " {CpuFit=1}")),
                new Case("not enough free memory",
                        List.of(node("a", 8).memory(64 * GIB, 60 * GIB)),
                        List.of(job("j1", 0, 1, 1, 1, 1, 8 * GIB)),
                        List.of(),
                        Map.of("j1", "INSUFFICIENT_MEMORY: replica of 1 GPU does not fit: 1 node short of free memory (largest free: 4 GiB)"
                                + " {MemoryFit=1}")),
                new Case("GPU-less replicas go by CPUs and memory, away from free GPUs",
                        List.of(node("cpu", 0).cpus(8, 0), node("gpu", 8)),
                        List.of(job("etl", 0, 1, 3, 0, 4, GIB)),
                        List.of("etl cpu@29500 nodes=2 | r0 cpu [] n0 l0/2 | r1 cpu [] n0 l1/2 | r2 gpu [] n1 l0/1"),
                        Map.of()),
                new Case("the lowest port not in use, and not twice in one cycle",
                        List.of(node("a", 8).ports(29500, 29502, 29500)),
                        List.of(job("j1", 0, 1, 1, 1), job("j2", 0, 2, 1, 1), job("j3", 0, 3, 1, 1)),
                        List.of("j1 a@29501 nodes=1 | r0 a [0] n0 l0/1", "j2 a@29502 nodes=1 | r0 a [1] n0 l0/1"),
                        Map.of("j3", "NO_FREE_PORT: the gang fits, but no free rendezvous port on a (29500-29502) {}")),
                new Case("rank 0 moves to the first node of the gang with a free port",
                        List.of(node("a", 4).ports(29500, 29500, 29500), node("b", 4)),
                        List.of(job("j1", 0, 1, 2, 4)),
                        List.of("j1 b@29500 nodes=2 | r0 b [0, 1, 2, 3] n0 l0/1 | r1 a [0, 1, 2, 3] n1 l0/1"),
                        Map.of()),
                new Case("later jobs see earlier placements of the same cycle",
                        List.of(node("a", 8), node("b", 8)),
                        List.of(job("j1", 0, 1, 1, 6), job("j2", 0, 2, 1, 6), job("j3", 0, 3, 1, 2), job("j4", 0, 4, 1, 2)),
                        List.of("j1 a@29500 nodes=1 | r0 a [0, 1, 2, 3, 4, 5] n0 l0/1",
                                "j2 b@29500 nodes=1 | r0 b [0, 1, 2, 3, 4, 5] n0 l0/1",
                                "j3 a@29501 nodes=1 | r0 a [6, 7] n0 l0/1",
                                "j4 b@29501 nodes=1 | r0 b [6, 7] n0 l0/1"),
                        Map.of())
        ).map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void cycleProducesExactPlan(Case table) {
        ClusterSnapshot snapshot = new ClusterSnapshot(table.nodes().stream().map(NodeBuilder::build).toList(), table.jobs(), NOW);
        Plan plan = SchedulingCycle.run(snapshot);
        assertEquals(table.placements(), plan.placements().stream().map(SchedulingCycleTableTest::render).toList());
        Map<String, String> reasons = new LinkedHashMap<>();
        plan.pendingReasons().forEach((job, reason) -> reasons.put(job, render(reason)));
        assertEquals(table.reasons(), reasons);
    }

    static String render(Placement placement) {
        StringBuilder text = new StringBuilder(placement.jobId() + " " + placement.masterNode() + "@" + placement.masterPort()
                + " nodes=" + placement.numNodes());
        for (ReplicaPlacement replica : placement.replicas()) {
            text.append(" | r").append(replica.rank()).append(' ').append(replica.node()).append(' ').append(replica.gpuIndices())
                    .append(" n").append(replica.nodeRank()).append(" l").append(replica.localRank()).append('/')
                    .append(replica.localWorldSize());
        }
        return text.toString();
    }

    static String render(PendingReason reason) {
        return reason.code() + ": " + reason.message() + " " + reason.rejectedNodesByFilter();
    }
}
