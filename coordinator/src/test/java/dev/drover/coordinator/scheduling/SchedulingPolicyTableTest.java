package dev.drover.coordinator.scheduling;

import static dev.drover.coordinator.scheduling.TestClusters.GIB;
import static dev.drover.coordinator.scheduling.TestClusters.node;
import static dev.drover.coordinator.scheduling.TestClusters.pending;
import static dev.drover.coordinator.scheduling.TestClusters.queue;
import static dev.drover.coordinator.scheduling.TestClusters.running;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.drover.coordinator.scheduling.TestClusters.NodeBuilder;
import dev.drover.coordinator.scheduling.TestClusters.PendingBuilder;
import dev.drover.coordinator.scheduling.TestClusters.RunningBuilder;
import dev.drover.coordinator.scheduling.cycle.SchedulingCycle;
import dev.drover.coordinator.scheduling.model.ClusterSnapshot;
import dev.drover.coordinator.scheduling.model.PendingReason;
import dev.drover.coordinator.scheduling.model.Placement;
import dev.drover.coordinator.scheduling.model.Plan;
import dev.drover.coordinator.scheduling.model.Preemption;
import dev.drover.coordinator.scheduling.model.QueueView;
import dev.drover.coordinator.scheduling.model.SchedulerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The production policies as tables: queues, fair share and quota; labels and topology; preemption,
 * reclaim and backfill; and the reasons pending jobs are given. Each row renders the whole plan as lines.
 */
class SchedulingPolicyTableTest {

    /** One row: the cluster, what runs, the queues, what waits, and every line of the expected plan. */
    record Case(String name, List<NodeBuilder> nodes, List<RunningBuilder> running, List<QueueView> queues, SchedulerConfig config,
                List<PendingBuilder> pending, List<String> plan) {
        @Override
        public String toString() {
            return name;
        }

        ClusterSnapshot snapshot() {
            return TestClusters.snapshot(nodes.stream().map(NodeBuilder::build).toList(), running.stream().map(RunningBuilder::build).toList(),
                    pending.stream().map(PendingBuilder::build).toList(), queues, config);
        }
    }

    private static Case row(String name, List<NodeBuilder> nodes, List<RunningBuilder> running, List<QueueView> queues,
                            List<PendingBuilder> pending, String... plan) {
        return new Case(name, nodes, running, queues, SchedulerConfig.defaults(), pending, List.of(plan));
    }

    static Stream<Case> ordering() {
        return Stream.of(
                row("DRF: the queue with the lower weighted dominant share goes first, whatever the submit order",
                        List.of(node("a", 8), node("b", 8)),
                        List.of(running("ra", 0).queue("A").on("a", 0, 1, 2, 3, 4, 5)),
                        List.of(queue("A", null, 8, 1, 8), queue("B", null, 8, 1, 8)),
                        List.of(pending("a1", 0, 1, 1, 8).queue("A"), pending("b1", 0, 2, 1, 8).queue("B")),
                        "place b1 b@29500 nodes=1 | r0 b [0, 1, 2, 3, 4, 5, 6, 7] n0 l0/1",
                        "pending a1 #2 INSUFFICIENT_GPUS: replica of 8 GPUs does not fit: 2 nodes short of free GPUs (largest free: 2)"
                                + " {GpuFit=2}"),
                row("DRF: the dominant resource may be CPUs: a queue holding most CPUs waits behind one holding more GPUs",
                        List.of(node("a", 8), node("b", 8)),
                        List.of(running("ra", 0).queue("A").resources(60, GIB).on("a", 0),
                                running("rb", 0).queue("B").on("a", 4, 5, 6, 7)),
                        List.of(queue("A", null, 8, 1, 8), queue("B", null, 8, 1, 8)),
                        List.of(pending("a1", 0, 1, 1, 8).queue("A"), pending("b1", 0, 2, 1, 8).queue("B")),
                        "place b1 b@29500 nodes=1 | r0 b [0, 1, 2, 3, 4, 5, 6, 7] n0 l0/1",
                        "pending a1 #2 INSUFFICIENT_GPUS: replica of 8 GPUs does not fit: 2 nodes short of free GPUs (largest free: 3)"
                                + " {GpuFit=2}"),
                row("DRF: a heavier queue goes first at equal usage",
                        List.of(node("a", 8), node("b", 8)),
                        List.of(running("ra", 0).queue("A").on("a", 0, 1), running("rb", 0).queue("B").on("a", 2, 3)),
                        List.of(queue("A", null, 8, 1, 8), queue("B", null, 8, 3, 8)),
                        List.of(pending("a1", 0, 1, 1, 8).queue("A"), pending("b1", 0, 2, 1, 8).queue("B")),
                        "place b1 b@29500 nodes=1 | r0 b [0, 1, 2, 3, 4, 5, 6, 7] n0 l0/1",
                        "pending a1 #2 INSUFFICIENT_GPUS: replica of 8 GPUs does not fit: 2 nodes short of free GPUs (largest free: 4)"
                                + " {GpuFit=2}"),
                row("DRF: shares are recomputed as the cycle places jobs",
                        List.of(node("a", 8)),
                        List.of(),
                        List.of(queue("A", null, 4, 1, 4), queue("B", null, 4, 1, 4)),
                        List.of(pending("a1", 0, 1, 1, 4).queue("A"), pending("a2", 0, 2, 1, 4).queue("A"),
                                pending("b1", 0, 3, 1, 4).queue("B")),
                        "place a1 a@29500 nodes=1 | r0 a [0, 1, 2, 3] n0 l0/1",
                        "place b1 a@29501 nodes=1 | r0 a [4, 5, 6, 7] n0 l0/1",
                        "pending a2 #3 INSUFFICIENT_GPUS: replica of 4 GPUs does not fit: 1 node short of free GPUs (largest free: 0)"
                                + " {GpuFit=1}"),
                row("priority still comes before fair share",
                        List.of(node("a", 8)),
                        List.of(running("ra", 0).queue("A").notPreemptible().on("a", 0, 1, 2, 3)),
                        List.of(queue("A", null, 4, 1, 4), queue("B", null, 0, 1, 8)),
                        List.of(pending("b1", 0, 1, 1, 4).queue("B"), pending("a1", 1, 2, 1, 4).queue("A")),
                        "place a1 a@29500 nodes=1 | r0 a [4, 5, 6, 7] n0 l0/1",
                        "pending b1 #2 WAITING_FOR_HIGHER_PRIORITY: waiting behind higher-priority job a1 (priority 1) {GpuFit=1}"));
    }

    static Stream<Case> quota() {
        return Stream.of(
                row("a queue at guaranteed + borrowable waits with the quota text; others go on, first by fair share",
                        List.of(node("a", 8), node("b", 8)),
                        List.of(running("ra", 0).queue("A").notPreemptible().on("a", 0, 1, 2, 3)),
                        List.of(queue("A", null, 4, 1, 2)),
                        List.of(pending("a1", 0, 1, 1, 4).queue("A"), pending("d1", 0, 2, 1, 2)),
                        "place d1 a@29500 nodes=1 | r0 a [4, 5] n0 l0/1",
                        "pending a1 #2 QUOTA_EXCEEDED: needs 4 GPUs but queue A has 2 of its 6 guaranteed + borrowable left {}"
                                + " quota=[queue A uses 4 of 4 guaranteed + 0 of 2 borrowable GPUs]"),
                row("a parent's limit binds its children",
                        List.of(node("a", 8), node("b", 8)),
                        List.of(running("rc2", 0).queue("C2").notPreemptible().on("a", 0, 1, 2, 3, 4, 5)),
                        List.of(queue("P", null, 8, 1, 0), queue("C1", "P", 4, 1, 4), queue("C2", "P", 4, 1, 4)),
                        List.of(pending("c1", 0, 1, 1, 4).queue("C1")),
                        "pending c1 #1 QUOTA_EXCEEDED: needs 4 GPUs but queue P has 2 of its 8 guaranteed + borrowable left {}"
                                + " quota=[queue P uses 6 of 8 guaranteed + 0 of 0 borrowable GPUs]"),
                row("borrowing idle GPUs up to the borrow limit",
                        List.of(node("a", 8)),
                        List.of(),
                        List.of(queue("A", null, 2, 1, 6)),
                        List.of(pending("a1", 0, 1, 1, 8).queue("A")),
                        "place a1 a@29500 nodes=1 | r0 a [0, 1, 2, 3, 4, 5, 6, 7] n0 l0/1"));
    }

    static Stream<Case> topology() {
        return Stream.of(
                row("required labels filter nodes and count them",
                        List.of(node("a", 8), node("b", 8).label("gpu", "h100").cordoned()),
                        List.of(), List.of(),
                        List.of(pending("j1", 0, 1, 1, 8).requires("gpu", "h100")),
                        "pending j1 #1 NO_MATCHING_NODES: replica of 8 GPUs does not fit: 1 node cordoned, 1 node without labels gpu=h100"
                                + " {NodeNotCordoned=1, RequiredLabels=1}"),
                row("labels no registered node has: never fits, at once",
                        List.of(node("a", 8).rack("r1"), node("b", 8).rack("r2")),
                        List.of(), List.of(),
                        List.of(pending("j1", 0, 1, 1, 1).requires("rack", "r9")),
                        "pending j1 #1 NEVER_FITS: can never fit the registered nodes: no registered node has labels rack=r9"
                                + " {RequiredLabels=2}"),
                row("required labels place the job on the matching node",
                        List.of(node("a", 8), node("b", 8).label("gpu", "h100").allocated(0)),
                        List.of(), List.of(),
                        List.of(pending("j1", 0, 1, 1, 2).requires("gpu", "h100")),
                        "place j1 b@29500 nodes=1 | r0 b [1, 2] n0 l0/1"),
                row("preferred labels break bin-packing ties",
                        List.of(node("a", 8), node("b", 8).label("disk", "nvme")),
                        List.of(), List.of(),
                        List.of(pending("j1", 0, 1, 1, 2).prefers("disk", "nvme")),
                        "place j1 b@29500 nodes=1 | r0 b [0, 1] n0 l0/1"),
                row("a preferred label does not break up a whole free node",
                        List.of(node("a", 8).label("disk", "nvme"), node("b", 8).allocated(0, 1, 2, 3)),
                        List.of(), List.of(),
                        List.of(pending("j1", 0, 1, 1, 2).prefers("disk", "nvme")),
                        "place j1 b@29500 nodes=1 | r0 b [4, 5] n0 l0/1"),
                row("spread: one replica per node, distinct racks first",
                        List.of(node("a", 8).rack("r1"), node("b", 8).rack("r1"), node("c", 8).rack("r2")),
                        List.of(), List.of(),
                        List.of(pending("j1", 0, 1, 3, 1).spread()),
                        "place j1 a@29500 nodes=3 | r0 a [0] n0 l0/1 | r1 c [0] n1 l0/1 | r2 b [0] n2 l0/1"),
                row("pack on the same cluster: one node",
                        List.of(node("a", 8).rack("r1"), node("b", 8).rack("r1"), node("c", 8).rack("r2")),
                        List.of(), List.of(),
                        List.of(pending("j1", 0, 1, 3, 1)),
                        "place j1 a@29500 nodes=1 | r0 a [0] n0 l0/3 | r1 a [1] n0 l1/3 | r2 a [2] n0 l2/3"),
                row("pack: a gang spanning nodes stays in one rack",
                        List.of(node("a", 8).rack("r1"), node("b", 8).rack("r2"), node("c", 8).rack("r1")),
                        List.of(), List.of(),
                        List.of(pending("j1", 0, 1, 2, 8)),
                        "place j1 a@29500 nodes=2 | r0 a [0, 1, 2, 3, 4, 5, 6, 7] n0 l0/1 | r1 c [0, 1, 2, 3, 4, 5, 6, 7] n1 l0/1"),
                row("pack: a gang spanning nodes stays in one multi-node NVLink domain before one rack",
                        List.of(node("a", 8).rack("r1").label("nvlink-domain", "nvl1"), node("b", 8).rack("r1"),
                                node("c", 8).rack("r2").label("nvlink-domain", "nvl1")),
                        List.of(), List.of(),
                        List.of(pending("j1", 0, 1, 2, 8)),
                        "place j1 a@29500 nodes=2 | r0 a [0, 1, 2, 3, 4, 5, 6, 7] n0 l0/1 | r1 c [0, 1, 2, 3, 4, 5, 6, 7] n1 l0/1"),
                row("a replica stays inside one NVLink domain rather than take a contiguous run across two",
                        List.of(node("a", 8).domains(0, 0, 0, 0, 1, 1, 1, 1).allocated(1)),
                        List.of(), List.of(),
                        List.of(pending("j1", 0, 1, 1, 3)),
                        "place j1 a@29500 nodes=1 | r0 a [0, 2, 3] n0 l0/1"),
                row("the fullest domain that fits is used, keeping the larger one whole",
                        List.of(node("a", 8).domains(0, 0, 0, 0, 1, 1, 1, 1).allocated(4)),
                        List.of(), List.of(),
                        List.of(pending("j1", 0, 1, 1, 2), pending("j2", 0, 2, 1, 4)),
                        "place j1 a@29500 nodes=1 | r0 a [5, 6] n0 l0/1",
                        "place j2 a@29501 nodes=1 | r0 a [0, 1, 2, 3] n0 l0/1"),
                row("small jobs leave the whole node to the 8-GPU job of the same cycle",
                        List.of(node("a", 8), node("b", 8).allocated(0, 1), node("c", 8).allocated(0, 1, 2, 3, 4, 5)),
                        List.of(), List.of(),
                        List.of(pending("s1", 5, 1, 1, 2).prefers("zone", "z1").spread(), pending("s2", 5, 2, 1, 4), pending("big", 0, 3, 1, 8)),
                        "place s1 c@29500 nodes=1 | r0 c [6, 7] n0 l0/1",
                        "place s2 b@29500 nodes=1 | r0 b [2, 3, 4, 5] n0 l0/1",
                        "place big a@29500 nodes=1 | r0 a [0, 1, 2, 3, 4, 5, 6, 7] n0 l0/1"));
    }

    static Stream<Case> preemption() {
        List<NodeBuilder> one = List.of(node("a", 8));
        return Stream.of(
                row("the cheapest victim set: fewest GPU-hours lost, not fewest jobs",
                        one,
                        List.of(running("old", 0).startedAgo(Duration.ofHours(10)).on("a", 0, 1, 2, 3),
                                running("new1", 0).startedAgo(Duration.ofHours(1)).on("a", 4, 5),
                                running("new2", 0).startedAgo(Duration.ofMinutes(30)).on("a", 6, 7)),
                        List.of(),
                        List.of(pending("hi", 5, 1, 1, 4)),
                        "preempt new2 for hi PRIORITY: preempted for job hi of higher priority (5 > 0) in queue default",
                        "preempt new1 for hi PRIORITY: preempted for job hi of higher priority (5 > 0) in queue default",
                        "pending hi #1 WAITING_FOR_PREEMPTION: waiting for 2 preempted jobs to stop: new1, new2 {}"),
                row("whole gangs only: both replicas of a gang stop even when one frees enough",
                        List.of(node("a", 8), node("b", 8)),
                        List.of(running("gang", 0).on("a", 0, 1, 2, 3).on("b", 0, 1, 2, 3),
                                running("cheap", 0).startedAgo(Duration.ofMinutes(10)).on("b", 4, 5, 6, 7)),
                        List.of(),
                        List.of(pending("hi", 5, 1, 1, 8)),
                        "preempt gang for hi PRIORITY: preempted for job hi of higher priority (5 > 0) in queue default",
                        "pending hi #1 WAITING_FOR_PREEMPTION: waiting for 1 preempted job to stop: gang {}"),
                row("victims run at least the minimum runtime, are preempted at most so often, and never preempted their preemptor",
                        List.of(node("a", 8), node("b", 8), node("c", 8), node("d", 8)),
                        List.of(running("young", 0).startedAgo(Duration.ofMinutes(4)).on("a", 0, 1, 2, 3, 4, 5, 6, 7),
                                running("often", 0).preemptionsLastHour(3).on("b", 0, 1, 2, 3, 4, 5, 6, 7),
                                running("enemy", 0).on("c", 0, 1, 2, 3, 4, 5, 6, 7),
                                running("same", 5).on("d", 0, 1, 2, 3, 4, 5, 6, 7)),
                        List.of(),
                        List.of(pending("hi", 5, 1, 1, 8).preemptedBy("enemy")),
                        "pending hi #1 INSUFFICIENT_GPUS: replica of 8 GPUs does not fit: 4 nodes short of free GPUs (largest free: 0)"
                                + " {GpuFit=4}"),
                row("not preemptible, or in another queue: not a victim of priority",
                        List.of(node("a", 8), node("b", 8)),
                        List.of(running("pinned", 0).notPreemptible().on("a", 0, 1, 2, 3, 4, 5, 6, 7),
                                running("other", 0).queue("B").on("b", 0, 1, 2, 3, 4, 5, 6, 7)),
                        List.of(),
                        List.of(pending("hi", 5, 1, 1, 8)),
                        "pending hi #1 INSUFFICIENT_GPUS: replica of 8 GPUs does not fit: 2 nodes short of free GPUs (largest free: 0)"
                                + " {GpuFit=2}"),
                row("the preemptor waits for its victims, and what it will use is held from lower jobs",
                        one,
                        List.of(running("victim", 0).on("a", 0, 1, 2, 3, 4, 5)),
                        List.of(),
                        List.of(pending("hi", 5, 1, 1, 8), pending("low", 0, 2, 1, 2)),
                        "preempt victim for hi PRIORITY: preempted for job hi of higher priority (5 > 0) in queue default",
                        "pending hi #1 WAITING_FOR_PREEMPTION: waiting for 1 preempted job to stop: victim {}",
                        "pending low #2 RESERVED_FOR_HIGHER_PRIORITY: replica of 2 GPUs would fit, but the free GPUs it needs are held for hi {}"),
                row("while victims stop, nothing more is preempted and their GPUs stay reserved for the preemptor",
                        one,
                        List.of(running("victim", 0).terminating().preemptedBy("hi").on("a", 0, 1, 2, 3, 4, 5),
                                running("spare", 0).on("a", 6)),
                        List.of(),
                        List.of(pending("hi", 5, 1, 1, 7), pending("low", 0, 2, 1, 1)),
                        "pending hi #1 WAITING_FOR_PREEMPTION: waiting for 1 preempted job to stop: victim {}",
                        "pending low #2 RESERVED_FOR_HIGHER_PRIORITY: replica of 1 GPU would fit, but the free GPUs it needs are held for hi {}"),
                row("once its victims have stopped, the preemptor starts",
                        one,
                        List.of(),
                        List.of(),
                        List.of(pending("hi", 5, 1, 1, 8), pending("victim", 0, 0, 1, 6).preemptedBy("hi")),
                        "place hi a@29500 nodes=1 | r0 a [0, 1, 2, 3, 4, 5, 6, 7] n0 l0/1",
                        "pending victim #2 WAITING_FOR_HIGHER_PRIORITY: waiting behind higher-priority job hi (priority 5) {GpuFit=1}"),
                new Case("preemption off: nothing is stopped",
                        one,
                        List.of(running("victim", 0).on("a", 0, 1, 2, 3, 4, 5, 6, 7)),
                        List.of(),
                        new SchedulerConfig(Duration.ofMinutes(5), 3, true, false),
                        List.of(pending("hi", 5, 1, 1, 8)),
                        List.of("pending hi #1 INSUFFICIENT_GPUS: replica of 8 GPUs does not fit: 1 node short of free GPUs (largest free: 0)"
                                + " {GpuFit=1}")));
    }

    static Stream<Case> reclaim() {
        List<QueueView> queues = List.of(queue("A", null, 8, 1, 8), queue("B", null, 8, 1, 8));
        return Stream.of(
                row("a queue under its guarantee reclaims from a borrower, whatever the priority, only down to its guarantee",
                        List.of(node("a", 8), node("b", 8)),
                        List.of(running("b1", 9).queue("B").notPreemptible().on("a", 0, 1, 2, 3),
                                running("b2", 9).queue("B").notPreemptible().startedAgo(Duration.ofHours(2)).on("a", 4, 5, 6, 7),
                                running("b3", 9).queue("B").notPreemptible().startedAgo(Duration.ofHours(3)).on("b", 0, 1, 2, 3, 4, 5, 6, 7)),
                        queues,
                        List.of(pending("a1", 0, 1, 1, 8).queue("A")),
                        "preempt b1 for a1 RECLAIM: reclaimed for job a1: queue A uses 0 of 8 guaranteed GPUs, queue B borrows 8 beyond"
                                + " its guarantee",
                        "preempt b2 for a1 RECLAIM: reclaimed for job a1: queue A uses 0 of 8 guaranteed GPUs, queue B borrows 8 beyond"
                                + " its guarantee",
                        "pending a1 #1 WAITING_FOR_PREEMPTION: waiting for 2 preempted jobs to stop: b1, b2 {}"),
                row("reclaim never takes a borrower below its guarantee, even when that victim would be cheaper",
                        List.of(node("a", 8), node("b", 4)),
                        List.of(running("big", 0).queue("B").startedAgo(Duration.ofMinutes(10)).on("a", 0, 1, 2, 3, 4, 5, 6, 7),
                                running("small", 0).queue("B").startedAgo(Duration.ofHours(5)).on("b", 0, 1, 2, 3)),
                        queues,
                        List.of(pending("a1", 0, 1, 1, 4).queue("A")),
                        "preempt small for a1 RECLAIM: reclaimed for job a1: queue A uses 0 of 8 guaranteed GPUs, queue B borrows 4"
                                + " beyond its guarantee",
                        "pending a1 #1 WAITING_FOR_PREEMPTION: waiting for 1 preempted job to stop: small {}"),
                row("a queue at its guarantee does not reclaim",
                        List.of(node("a", 8), node("b", 8)),
                        List.of(running("a0", 0).queue("A").notPreemptible().on("a", 0, 1, 2, 3, 4, 5, 6, 7),
                                running("b1", 0).queue("B").notPreemptible().on("b", 0, 1, 2, 3, 4, 5, 6, 7)),
                        queues,
                        List.of(pending("a1", 0, 1, 1, 8).queue("A")),
                        "pending a1 #1 INSUFFICIENT_GPUS: replica of 8 GPUs does not fit: 2 nodes short of free GPUs (largest free: 0)"
                                + " {GpuFit=2}"));
    }

    static Stream<Case> backfill() {
        List<NodeBuilder> two = List.of(node("a", 8), node("b", 8));
        return Stream.of(
                row("the blocked head gets a reservation; a short job backfills, a long one and one without runtime do not",
                        two,
                        List.of(running("r1", 0).notPreemptible().maxRuntime(Duration.ofHours(2)).on("a", 0, 1, 2, 3),
                                running("r2", 0).notPreemptible().on("b", 0, 1, 2, 3)),
                        List.of(),
                        List.of(pending("head", 5, 1, 1, 8), pending("short", 0, 2, 1, 4).maxRuntime(Duration.ofMinutes(30)),
                                pending("long", 0, 3, 1, 4).maxRuntime(Duration.ofHours(3)), pending("forever", 0, 4, 1, 4)),
                        "place short a@29500 nodes=1 | r0 a [4, 5, 6, 7] n0 l0/1",
                        "place long b@29500 nodes=1 | r0 b [4, 5, 6, 7] n0 l0/1",
                        "pending head #1 INSUFFICIENT_GPUS: replica of 8 GPUs does not fit: 2 nodes short of free GPUs (largest free: 0)"
                                + "; GPUs reserved, estimated start 2025-01-01T01:00:00Z {GpuFit=2} start=2025-01-01T01:00:00Z",
                        "pending forever #4 INSUFFICIENT_GPUS: replica of 4 GPUs does not fit: 2 nodes short of free GPUs"
                                + " (largest free: 0) {GpuFit=2}",
                        "estimated head 2025-01-01T01:00:00Z"),
                row("a job without maxRuntime may not take the GPUs reserved for the head; a short one may",
                        List.of(node("a", 8)),
                        List.of(running("r1", 0).notPreemptible().maxRuntime(Duration.ofHours(2)).on("a", 0, 1, 2, 3)),
                        List.of(),
                        List.of(pending("head", 5, 1, 1, 8), pending("forever", 0, 2, 1, 4),
                                pending("short", 0, 3, 1, 4).maxRuntime(Duration.ofMinutes(60))),
                        "place short a@29500 nodes=1 | r0 a [4, 5, 6, 7] n0 l0/1",
                        "pending head #1 INSUFFICIENT_GPUS: replica of 8 GPUs does not fit: 1 node short of free GPUs (largest free: 0)"
                                + "; GPUs reserved, estimated start 2025-01-01T01:00:00Z {GpuFit=1} start=2025-01-01T01:00:00Z",
                        "pending forever #2 RESERVED_FOR_HIGHER_PRIORITY: replica of 4 GPUs would fit, but the free GPUs it needs are held"
                                + " for head {}",
                        "estimated head 2025-01-01T01:00:00Z"),
                row("without a way to end, no reservation: lower jobs take what is free",
                        two,
                        List.of(running("r1", 0).notPreemptible().on("a", 0, 1, 2, 3), running("r2", 0).notPreemptible().on("b", 0, 1, 2, 3)),
                        List.of(),
                        List.of(pending("head", 5, 1, 1, 8), pending("forever", 0, 2, 1, 4)),
                        "place forever a@29500 nodes=1 | r0 a [4, 5, 6, 7] n0 l0/1",
                        "pending head #1 INSUFFICIENT_GPUS: replica of 8 GPUs does not fit: 2 nodes short of free GPUs (largest free: 4)"
                                + " {GpuFit=2}"),
                new Case("backfill off: no reservation",
                        two,
                        List.of(running("r1", 0).notPreemptible().maxRuntime(Duration.ofHours(2)).on("a", 0, 1, 2, 3)),
                        List.of(),
                        new SchedulerConfig(Duration.ofMinutes(5), 3, false, true),
                        List.of(pending("head", 5, 1, 2, 8), pending("forever", 0, 2, 1, 4)),
                        List.of("place forever a@29500 nodes=1 | r0 a [4, 5, 6, 7] n0 l0/1",
                                "pending head #1 GANG_DOES_NOT_FIT: gang of 2 x 8 GPUs does not fit: room for 1 of 2 replicas on 1 node,"
                                        + " 1 node short of free GPUs (largest free: 0) {GpuFit=1}")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"ordering", "quota", "topology", "preemption", "reclaim", "backfill"})
    void cycleAppliesThePolicy(Case table) {
        ClusterSnapshot snapshot = table.snapshot();
        Plan plan = SchedulingCycle.run(snapshot);
        assertEquals(table.plan(), render(plan));
        assertEquals(plan, SchedulingCycle.run(snapshot), "same snapshot, same plan");
    }

    static List<String> render(Plan plan) {
        List<String> lines = new ArrayList<>();
        for (Placement placement : plan.placements()) {
            lines.add("place " + SchedulingCycleTableTest.render(placement));
        }
        for (Preemption preemption : plan.preemptions()) {
            lines.add("preempt " + preemption.victimJobId() + " for " + preemption.forJobId() + " " + preemption.reasonCode() + ": "
                    + preemption.message());
        }
        for (Map.Entry<String, PendingReason> entry : plan.pendingReasons().entrySet()) {
            PendingReason reason = entry.getValue();
            lines.add("pending " + entry.getKey() + " #" + reason.queuePosition() + " " + SchedulingCycleTableTest.render(reason)
                    + (reason.quota() == null ? "" : " quota=[" + reason.quota() + "]")
                    + (reason.estimatedStart() == null ? "" : " start=" + reason.estimatedStart()));
        }
        plan.estimatedStarts().forEach((job, start) -> lines.add("estimated " + job + " " + start));
        return lines;
    }
}
