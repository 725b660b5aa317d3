package dev.drover.coordinator.scheduling;

import static dev.drover.coordinator.scheduling.TestClusters.GIB;
import static dev.drover.coordinator.scheduling.TestClusters.NOW;
import static dev.drover.coordinator.scheduling.TestClusters.node;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drover.coordinator.scheduling.cycle.SchedulerProfile;
import dev.drover.coordinator.scheduling.cycle.SchedulingCycle;
import dev.drover.coordinator.scheduling.model.ClusterSnapshot;
import dev.drover.coordinator.scheduling.model.NodeView;
import dev.drover.coordinator.scheduling.model.PendingJob;
import dev.drover.coordinator.scheduling.model.Placement;
import dev.drover.coordinator.scheduling.model.PlacementStrategy;
import dev.drover.coordinator.scheduling.model.Plan;
import dev.drover.coordinator.scheduling.model.RunningJob;
import dev.drover.coordinator.scheduling.model.SchedulerConfig;
import dev.drover.coordinator.scheduling.plugin.ExpectedRuntimeJobOrder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Aging in {@link ExpectedRuntimeJobOrder}: a long job is not starved by an endless stream of shorter ones. */
class ExpectedRuntimeAgingProperties {
    private static final double AGING_RATE = 0.2;
    private static final Duration TARGET_ESTIMATE = Duration.ofHours(10);
    private static final Duration CYCLE = Duration.ofMinutes(10);

    /**
     * A gang that needs every GPU of the empty cluster, estimated at 10 h, against a stream of 1-2 GPU jobs estimated
     * at 5-30 min that keeps the cluster at about 90 % load, so it is never empty: shorter estimates go first, so
     * without aging the gang would wait forever. With aging its aged estimate reaches zero 10 h / 0.2 = 50 h after
     * submission; from then on only jobs submitted earlier go before it, backfill holds capacity for it, and the
     * running jobs end within their 2 h maxRuntime: it must start by 50 h + a few hours of draining.
     */
    @Property(tries = 15)
    void aLongJobThatFitsTheEmptyClusterStartsUnderAStreamOfShorterJobs(@ForAll @IntRange(min = 2, max = 4) int nodeCount,
                                                                         @ForAll long seed) {
        Random random = new Random(seed);
        List<NodeView> nodes = new ArrayList<>();
        for (int i = 0; i < nodeCount; i++) {
            nodes.add(node("n" + i, 8).build());
        }
        SchedulingCycle cycle = new SchedulingCycle(
                SchedulerProfile.defaults().withJobOrder(new ExpectedRuntimeJobOrder(AGING_RATE, Duration.ofMinutes(20))),
                SchedulingCycle.defaults().actions());
        SchedulerConfig config = new SchedulerConfig(Duration.ofMinutes(5), 3, true, false);
        PendingJob target = new PendingJob("target", 1, "default", 0, 0, NOW, nodeCount, 8, 1, GIB, false, Duration.ofHours(12),
                Map.of(), Map.of(), PlacementStrategy.PACK, Set.of(), TARGET_ESTIMATE);
        List<PendingJob> pending = new ArrayList<>(List.of(target));
        List<RunningJob> running = new ArrayList<>();
        Instant now = NOW;
        Instant deadline = NOW.plus(Duration.ofHours(50 + 8));
        long seq = 1;
        boolean othersWereRunning = false;
        while (now.isBefore(deadline)) {
            for (int i = 0; i < 2 * nodeCount; i++) {
                if (random.nextDouble() < 0.35) {
                    Duration maxRuntime = Duration.ofMinutes(20 + random.nextInt(101));
                    pending.add(new PendingJob("j" + seq, 1, "default", 0, seq, now, 1, 1 + random.nextInt(2), 1, GIB, false, maxRuntime,
                            Map.of(), Map.of(), PlacementStrategy.PACK, Set.of(), Duration.ofMinutes(5 + random.nextInt(26))));
                    seq++;
                }
            }
            ClusterSnapshot snapshot = TestClusters.snapshot(nodes, running, pending, List.of(), config, now);
            Plan plan = cycle.plan(snapshot);
            if (plan.placements().stream().anyMatch(p -> p.jobId().equals("target"))) {
                assertTrue(othersWereRunning || now.equals(NOW), "the stream never kept the cluster busy: not a test of aging");
                return;
            }
            Map<String, PendingJob> byId = new HashMap<>();
            pending.forEach(j -> byId.put(j.jobId(), j));
            Instant later = now.plus(CYCLE);
            List<RunningJob> next = new ArrayList<>();
            for (RunningJob job : running) {
                if (job.deadline().isAfter(later)) {
                    next.add(job);
                }
            }
            for (Placement placement : plan.placements()) {
                PendingJob job = byId.get(placement.jobId());
                pending.remove(job);
                next.add(new RunningJob(job.jobId(), job.attempt(), job.queue(), job.priority(), job.preemptible(), now, job.maxRuntime(),
                        job.replicas(), job.gpusPerReplica(), job.cpusPerReplica(), job.memoryPerReplica(), placement.replicas(), false, 0,
                        job.preemptedBy()));
            }
            othersWereRunning |= !next.isEmpty();
            running = next;
            now = later;
        }
        throw new AssertionError("target did not start within 58 h; " + pending.size() + " pending, " + running.size() + " running");
    }
}
