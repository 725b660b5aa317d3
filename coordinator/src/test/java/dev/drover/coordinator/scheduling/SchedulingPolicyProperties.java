package dev.drover.coordinator.scheduling;

import static dev.drover.coordinator.scheduling.TestClusters.GIB;
import static dev.drover.coordinator.scheduling.TestClusters.NOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drover.coordinator.scheduling.RandomWorkloads.Workload;
import dev.drover.coordinator.scheduling.cycle.SchedulingCycle;
import dev.drover.coordinator.scheduling.model.ClusterSnapshot;
import dev.drover.coordinator.scheduling.model.GpuSlot;
import dev.drover.coordinator.scheduling.model.NodeView;
import dev.drover.coordinator.scheduling.model.PendingJob;
import dev.drover.coordinator.scheduling.model.PendingReason;
import dev.drover.coordinator.scheduling.model.Placement;
import dev.drover.coordinator.scheduling.model.PlacementStrategy;
import dev.drover.coordinator.scheduling.model.Plan;
import dev.drover.coordinator.scheduling.model.Preemption;
import dev.drover.coordinator.scheduling.model.QueueView;
import dev.drover.coordinator.scheduling.model.ReplicaPlacement;
import dev.drover.coordinator.scheduling.model.RunningJob;
import dev.drover.coordinator.scheduling.model.SchedulerConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Invariants of the production policies over random clusters and workloads, and over simulated sequences of cycles. */
class SchedulingPolicyProperties {

    @Provide
    Arbitrary<Workload> workloads() {
        return Arbitraries.randomValue(RandomWorkloads::anything);
    }

    @Provide
    Arbitrary<Workload> guaranteeWorkloads() {
        return Arbitraries.randomValue(SchedulingPolicyProperties::underGuarantee);
    }

    @Provide
    Arbitrary<Workload> backfillWorkloads() {
        return Arbitraries.randomValue(SchedulingPolicyProperties::withRuntimes);
    }

    @Provide
    Arbitrary<Long> seeds() {
        return Arbitraries.longs();
    }

    @Property(tries = 400)
    void noGpuTwiceGangsWholeAndPreemptionsFollowTheRules(@ForAll("workloads") Workload workload) {
        ClusterSnapshot snapshot = workload.snapshot();
        Plan plan = SchedulingCycle.run(snapshot);
        checkPlan(snapshot, plan);
    }

    @Property(tries = 200)
    void samePlanForTheSameSnapshotInAnyInputOrder(@ForAll("workloads") Workload workload) {
        ClusterSnapshot snapshot = workload.snapshot();
        Plan plan = SchedulingCycle.run(snapshot);
        assertEquals(plan, SchedulingCycle.run(snapshot));
        List<NodeView> nodes = new ArrayList<>(snapshot.nodes());
        List<PendingJob> pending = new ArrayList<>(snapshot.pending());
        List<RunningJob> running = new ArrayList<>(snapshot.running());
        List<QueueView> queues = new ArrayList<>(snapshot.queues());
        Random shuffle = new Random(nodes.size() * 31L + pending.size());
        Collections.shuffle(nodes, shuffle);
        Collections.shuffle(pending, shuffle);
        Collections.shuffle(running, shuffle);
        Collections.shuffle(queues, shuffle);
        assertEquals(plan, SchedulingCycle.run(new ClusterSnapshot(nodes, pending, NOW, running, queues, snapshot.config())));
    }

    /** A queue under its guarantee whose job fits within it gets the job placed, or preemptions that reclaim room for it. */
    @Property(tries = 300)
    void guaranteedQuotaIsReachableThroughReclaim(@ForAll("guaranteeWorkloads") Workload workload) {
        ClusterSnapshot snapshot = workload.snapshot();
        Plan plan = SchedulingCycle.run(snapshot);
        checkPlan(snapshot, plan);
        PendingJob job = snapshot.pending().get(0);
        boolean placed = plan.placements().stream().anyMatch(p -> p.jobId().equals(job.jobId()));
        boolean reclaimed = plan.preemptions().stream().anyMatch(p -> p.forJobId().equals(job.jobId()));
        assertTrue(placed || reclaimed, "neither placed nor reclaimed for: " + plan.pendingReasons().get(job.jobId()));
    }

    /** Starting the jobs backfill let through, and running the cycle again, never moves the head's reserved start later. */
    @Property(tries = 300)
    void backfillNeverDelaysTheReservedHead(@ForAll("backfillWorkloads") Workload workload) {
        ClusterSnapshot snapshot = workload.snapshot();
        Plan plan = SchedulingCycle.run(snapshot);
        checkPlan(snapshot, plan);
        for (Map.Entry<String, Instant> reserved : plan.estimatedStarts().entrySet()) {
            PendingJob head = snapshot.pending().stream().filter(j -> j.jobId().equals(reserved.getKey())).findFirst().orElseThrow();
            List<RunningJob> running = new ArrayList<>(snapshot.running());
            for (Placement placement : plan.placements()) {
                PendingJob job = snapshot.pending().stream().filter(j -> j.jobId().equals(placement.jobId())).findFirst().orElseThrow();
                running.add(started(job, placement, NOW));
            }
            Plan after = SchedulingCycle.run(TestClusters.snapshot(workload.nodes(), running, List.of(head), workload.queues(),
                    workload.config()));
            boolean startsNow = after.placements().stream().anyMatch(p -> p.jobId().equals(head.jobId()));
            Instant start = startsNow ? NOW : after.estimatedStarts().get(head.jobId());
            assertNotNull(start, "the head lost its reservation: " + after.pendingReasons());
            assertFalse(start.isAfter(reserved.getValue()), "head delayed from " + reserved.getValue() + " to " + start);
        }
    }

    /**
     * Over two simulated days of cycles (jobs start, run to their maxRuntime, are preempted and requeued, an
     * endless stream of lower-priority jobs arrives, more than the cluster can run), a job that fits the
     * empty cluster eventually starts, and no job ever preempts a job that preempted it.
     */
    @Property(tries = 60)
    void noStarvationAndNoPreemptionCycles(@ForAll("seeds") long seed) {
        Random random = new Random(seed);
        List<NodeView> nodes = RandomWorkloads.nodes(random, 2 + random.nextInt(3), false);
        List<QueueView> queues = List.of(new QueueView("a", null, RandomWorkloads.healthyGpus(nodes) / 2, 1, QueueView.UNLIMITED),
                new QueueView("b", null, RandomWorkloads.healthyGpus(nodes) / 4, 1, QueueView.UNLIMITED));
        List<String> queueNames = List.of("a", "b", QueueView.DEFAULT);
        int largest = nodes.stream().mapToInt(n -> n.gpus().size()).max().orElse(0);
        int largestNodes = (int) nodes.stream().filter(n -> n.gpus().size() == largest).count();
        PendingJob target = new PendingJob("target", 1, queueNames.get(random.nextInt(3)), 2, 0, NOW, 1 + random.nextInt(largestNodes),
                largest, 1, GIB, false, Duration.ofHours(1), Map.of(), Map.of(), PlacementStrategy.PACK, Set.of());
        List<PendingJob> pending = new ArrayList<>(List.of(target));
        List<RunningJob> running = new ArrayList<>();
        Map<String, Set<String>> preempted = new HashMap<>();
        Instant now = NOW;
        long seq = 1;
        PendingReason last = null;
        for (int cycle = 0; cycle < 300; cycle++) {
            for (int arrivals = random.nextInt(3); arrivals > 0; arrivals--) {
                pending.add(new PendingJob("j" + seq, 1, queueNames.get(random.nextInt(3)), random.nextInt(2), seq, now,
                        1 + random.nextInt(2), 1 + random.nextInt(Math.max(1, largest)), 1, GIB, random.nextBoolean(),
                        Duration.ofMinutes(10 + random.nextInt(110)), Map.of(), Map.of(), PlacementStrategy.PACK, Set.of()));
                seq++;
            }
            ClusterSnapshot snapshot = TestClusters.snapshot(nodes, running, pending, queues, SchedulerConfig.defaults(), now);
            Plan plan = SchedulingCycle.run(snapshot);
            checkPlan(snapshot, plan);
            for (Preemption preemption : plan.preemptions()) {
                assertFalse(preempted.getOrDefault(preemption.victimJobId(), Set.of()).contains(preemption.forJobId()),
                        preemption.forJobId() + " preempted " + preemption.victimJobId() + ", which had preempted it");
                preempted.computeIfAbsent(preemption.forJobId(), k -> new HashSet<>()).add(preemption.victimJobId());
            }
            if (plan.placements().stream().anyMatch(p -> p.jobId().equals("target"))) {
                return;
            }
            last = plan.pendingReasons().get("target");
            // Apply the plan as the rest of the coordinator would: starts, stops (one cycle stopping), ends, requeues.
            List<RunningJob> next = new ArrayList<>();
            Map<String, Preemption> stops = new HashMap<>();
            plan.preemptions().forEach(p -> stops.put(p.victimJobId(), p));
            Instant later = now.plus(Duration.ofMinutes(10));
            for (RunningJob job : running) {
                if (job.terminating()) {
                    pending.add(requeued(job));
                } else if (stops.containsKey(job.jobId())) {
                    Set<String> by = new HashSet<>(job.preemptedBy());
                    by.add(stops.get(job.jobId()).forJobId());
                    next.add(new RunningJob(job.jobId(), job.attempt(), job.queue(), job.priority(), job.preemptible(), job.startedAt(),
                            job.maxRuntime(), job.replicas(), job.gpusPerReplica(), job.cpusPerReplica(), job.memoryPerReplica(),
                            job.placements(), true, job.preemptionsLastHour() + 1, by));
                } else if (job.deadline().isAfter(later)) {
                    next.add(job);
                }
            }
            for (Placement placement : plan.placements()) {
                PendingJob job = pending.stream().filter(j -> j.jobId().equals(placement.jobId())).findFirst().orElseThrow();
                pending.remove(job);
                next.add(started(job, placement, now));
            }
            running = next;
            now = later;
        }
        throw new AssertionError("target never started: " + last + "; " + target + "; pending " + pending.size() + ", running " + running);
    }

    /** A pending job that has just started, as the next snapshot lists it. */
    private static RunningJob started(PendingJob job, Placement placement, Instant at) {
        return new RunningJob(job.jobId(), job.attempt(), job.queue(), job.priority(), job.preemptible(), at, job.maxRuntime(), job.replicas(),
                job.gpusPerReplica(), job.cpusPerReplica(), job.memoryPerReplica(), placement.replicas(), false, 0, job.preemptedBy());
    }

    private static PendingJob requeued(RunningJob job) {
        return new PendingJob(job.jobId(), job.attempt() + 1, job.queue(), job.priority(), Long.parseLong(job.jobId().substring(1)),
                job.startedAt(), job.replicas(), job.gpusPerReplica(), job.cpusPerReplica(), job.memoryPerReplica(), job.preemptible(),
                job.maxRuntime(), Map.of(), Map.of(), PlacementStrategy.PACK, job.preemptedBy());
    }

    /**
     * Healthy schedulable nodes; queues whose guarantees add up to the cluster at most; running 1-GPU gangs
     * started long ago; one pending job of 1-GPU replicas in a queue that stays within its guarantee.
     */
    private static Workload underGuarantee(Random random) {
        List<NodeView> nodes = RandomWorkloads.nodes(random, 1 + random.nextInt(5), false);
        int healthy = RandomWorkloads.healthyGpus(nodes);
        List<QueueView> queues = new ArrayList<>();
        int left = healthy;
        for (String name : List.of("a", "b", "c")) {
            int guaranteed = random.nextInt(left + 1);
            left -= guaranteed;
            queues.add(new QueueView(name, null, guaranteed, 1 + random.nextInt(3), QueueView.UNLIMITED));
        }
        List<String> names = List.of("a", "b", "c");
        List<RunningJob> running = new ArrayList<>();
        for (RunningJob job : RandomWorkloads.running(random, nodes, names, List.of(), 1, 1, healthy)) {
            running.add(new RunningJob(job.jobId(), 1, job.queue(), job.priority(), job.preemptible(), NOW.minus(Duration.ofHours(1)),
                    job.maxRuntime(), job.replicas(), job.gpusPerReplica(), 0.1, GIB / 16, job.placements(), false, 0, Set.of()));
        }
        Map<String, Integer> used = new HashMap<>();
        running.forEach(r -> used.merge(r.queue(), (int) r.totalGpus(), Integer::sum));
        List<QueueView> under = queues.stream().filter(q -> used.getOrDefault(q.name(), 0) < q.guaranteedGpus()).toList();
        if (under.isEmpty()) {
            return underGuarantee(random);
        }
        QueueView queue = under.get(random.nextInt(under.size()));
        int room = queue.guaranteedGpus() - used.getOrDefault(queue.name(), 0);
        PendingJob job = new PendingJob("p0", 1, queue.name(), random.nextInt(5), 0, NOW, 1 + random.nextInt(room), 1, 0.1, GIB / 16,
                false, null, Map.of(), Map.of(), random.nextBoolean() ? PlacementStrategy.SPREAD : PlacementStrategy.PACK, Set.of());
        return new Workload(nodes, running, List.of(job), queues, SchedulerConfig.defaults());
    }

    /** Running gangs, most with a maxRuntime, and pending jobs with and without one, in the default queue; preemption off. */
    private static Workload withRuntimes(Random random) {
        List<NodeView> nodes = RandomWorkloads.nodes(random, 1 + random.nextInt(5), false);
        List<RunningJob> running = new ArrayList<>();
        for (RunningJob job : RandomWorkloads.running(random, nodes, List.of(QueueView.DEFAULT), List.of(), 2, 4, 6)) {
            running.add(new RunningJob(job.jobId(), 1, job.queue(), job.priority(), false, job.startedAt(),
                    random.nextInt(5) == 0 ? null : Duration.ofMinutes(30 + random.nextInt(300)), job.replicas(), job.gpusPerReplica(),
                    job.cpusPerReplica(), job.memoryPerReplica(), job.placements(), false, 0, Set.of()));
        }
        List<PendingJob> pending = new ArrayList<>();
        int[] gpuShapes = {1, 2, 4, 8};
        for (int i = 0, count = 1 + random.nextInt(10); i < count; i++) {
            pending.add(new PendingJob("p" + i, 1, QueueView.DEFAULT, random.nextInt(4), i, NOW, 1 + random.nextInt(2),
                    gpuShapes[random.nextInt(gpuShapes.length)], 0.5 * (1 + random.nextInt(16)), (1 + random.nextInt(64)) * GIB, false,
                    random.nextInt(4) == 0 ? null : Duration.ofMinutes(10 + random.nextInt(400)), Map.of(), Map.of(),
                    random.nextInt(4) == 0 ? PlacementStrategy.SPREAD : PlacementStrategy.PACK, Set.of()));
        }
        return new Workload(nodes, running, pending, List.of(), new SchedulerConfig(Duration.ofMinutes(5), 3, true, false));
    }

    /** Rules every plan obeys, whatever the input. */
    static void checkPlan(ClusterSnapshot snapshot, Plan plan) {
        Map<String, NodeView> nodes = new HashMap<>();
        snapshot.nodes().forEach(n -> nodes.put(n.name(), n));
        Map<String, PendingJob> pending = new HashMap<>();
        snapshot.pending().forEach(j -> pending.put(j.jobId(), j));
        Map<String, RunningJob> running = new HashMap<>();
        snapshot.running().forEach(j -> running.put(j.jobId(), j));
        Set<String> gpusUsed = new HashSet<>();
        Set<String> placed = new HashSet<>();
        for (Placement placement : plan.placements()) {
            PendingJob job = pending.get(placement.jobId());
            assertNotNull(job, "placed an unknown job " + placement.jobId());
            assertTrue(placed.add(job.jobId()), "placed twice: " + job.jobId());
            assertEquals(job.replicas(), placement.replicas().size(), "partial gang " + job.jobId());
            for (ReplicaPlacement replica : placement.replicas()) {
                NodeView node = nodes.get(replica.node());
                assertTrue(node.schedulable(), "placed on unschedulable node " + node.name());
                assertEquals(job.gpusPerReplica(), replica.gpuIndices().size());
                for (Map.Entry<String, String> label : job.requiredLabels().entrySet()) {
                    assertEquals(label.getValue(), node.labels().get(label.getKey()), "required label missing on " + node.name());
                }
                for (int index : replica.gpuIndices()) {
                    GpuSlot slot = node.gpus().stream().filter(g -> g.index() == index).findFirst().orElseThrow();
                    assertTrue(slot.healthy(), "unhealthy GPU used");
                    assertFalse(node.allocatedGpus().contains(index), "allocated GPU reused: " + node.name() + "/" + index);
                    assertTrue(gpusUsed.add(node.name() + "/" + index), "GPU placed twice: " + node.name() + "/" + index);
                }
            }
        }
        Set<String> victims = new HashSet<>();
        for (Preemption preemption : plan.preemptions()) {
            RunningJob victim = running.get(preemption.victimJobId());
            PendingJob preemptor = pending.get(preemption.forJobId());
            assertNotNull(victim, "preempted an unknown job");
            assertNotNull(preemptor, "preempted for an unknown job");
            assertTrue(victims.add(victim.jobId()), "preempted twice: " + victim.jobId());
            assertFalse(victim.terminating(), "preempted a job already stopping");
            assertFalse(placed.contains(preemptor.jobId()), "preemptor placed in the cycle its victims were chosen");
            assertFalse(preemptor.preemptedBy().contains(victim.jobId()), "preemption cycle: " + preemptor.jobId() + " <-> " + victim.jobId());
            assertTrue(victim.preemptionsLastHour() < snapshot.config().maxPreemptionsPerJobPerHour(), "preempted too often");
            assertFalse(victim.startedAt().plus(snapshot.config().minRuntimeBeforePreemption()).isAfter(snapshot.now()), "preempted too young");
            assertEquals(PendingReason.WAITING_FOR_PREEMPTION, plan.pendingReasons().get(preemptor.jobId()).code());
            if (preemption.reasonCode().equals(Preemption.PRIORITY)) {
                assertTrue(victim.preemptible() && victim.priority() < preemptor.priority() && victim.queue().equals(preemptor.queue()),
                        "priority preemption of " + victim + " for " + preemptor);
            } else {
                assertEquals(Preemption.RECLAIM, preemption.reasonCode());
                assertFalse(victim.queue().equals(preemptor.queue()), "reclaimed from its own queue");
            }
        }
        if (!snapshot.config().preemption()) {
            assertTrue(plan.preemptions().isEmpty(), "preempted with preemption off");
        }
        Set<Integer> positions = new HashSet<>();
        for (PendingJob job : snapshot.pending()) {
            PendingReason reason = plan.pendingReasons().get(job.jobId());
            assertTrue(placed.contains(job.jobId()) != (reason != null), job.jobId() + " must be placed xor explained");
            if (reason != null) {
                assertFalse(reason.message().isBlank());
                assertTrue(reason.queuePosition() >= 1 && reason.queuePosition() <= snapshot.pending().size(), "position " + reason);
                assertTrue(positions.add(reason.queuePosition()), "position given twice: " + reason);
                assertEquals(reason.code().equals(PendingReason.QUOTA_EXCEEDED), reason.quota() != null, "quota text: " + reason);
            }
        }
        plan.estimatedStarts().forEach((job, start) -> {
            assertTrue(plan.pendingReasons().containsKey(job), "reserved for a placed job");
            assertFalse(start.isBefore(snapshot.now()), "reserved in the past");
            assertEquals(start, plan.pendingReasons().get(job).estimatedStart());
        });
        if (plan.preemptions().isEmpty()) {
            checkQuota(snapshot, plan, pending);
        }
    }

    /** Every queue that got a placement, and each ancestor, stays within guaranteed + borrowable GPUs. */
    private static void checkQuota(ClusterSnapshot snapshot, Plan plan, Map<String, PendingJob> pending) {
        Map<String, QueueView> queues = new HashMap<>();
        snapshot.queues().forEach(q -> queues.put(q.name(), q));
        Map<String, Long> used = new HashMap<>();
        Set<String> touched = new HashSet<>();
        for (RunningJob job : snapshot.running()) {
            if (!job.terminating()) {
                chain(queues, job.queue()).forEach(q -> used.merge(q.name(), job.totalGpus(), Long::sum));
            }
        }
        for (Placement placement : plan.placements()) {
            PendingJob job = pending.get(placement.jobId());
            for (QueueView q : chain(queues, job.queue())) {
                used.merge(q.name(), job.totalGpus(), Long::sum);
                touched.add(q.name());
            }
        }
        for (String name : touched) {
            QueueView queue = queues.getOrDefault(name, QueueView.unconfigured(name));
            assertTrue(used.get(name) <= queue.limitGpus(), "queue " + name + " over its limit: " + used.get(name));
        }
    }

    private static List<QueueView> chain(Map<String, QueueView> queues, String name) {
        List<QueueView> chain = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String current = name; current != null && seen.add(current); ) {
            QueueView queue = queues.getOrDefault(current, QueueView.unconfigured(current));
            chain.add(queue);
            current = queue.parent();
        }
        return chain;
    }
}
