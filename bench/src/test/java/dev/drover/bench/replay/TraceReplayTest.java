package dev.drover.bench.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TraceReplayTest {
    private static final String HEADER = "job_id,submit_time_s,duration_s,num_gpus,num_nodes,user_or_queue,status";

    @TempDir
    Path dir;

    /**
     * One 4-GPU node. A (t=0, 100 s, 3 GPUs) runs; B (t=1, 50 s, 4 GPUs) cannot start until A ends; C (t=2, 10 s,
     * 1 GPU) fits beside A at once, unless FIFO holds it behind B.
     */
    private static final String SMALL_JOB_BEHIND_BLOCKED_HEAD = """
            a,0,100,3,,q,
            b,1,50,4,,q,
            c,2,10,1,,q,
            """;

    /** One 4-GPU node. A (4 GPUs) runs to t=100; then B (50 s, 4 GPUs) and C (10 s, 2 GPUs) compete for the node. */
    private static final String SHORT_JOB_BEHIND_LONG_ONE = """
            a,0,100,4,,q,
            b,1,50,4,,q,
            c,2,10,2,,q,
            """;

    @Test
    void fifoHoldsTheSmallJobBehindTheBlockedHead() throws IOException {
        ReplayStats q = replay(SMALL_JOB_BEHIND_BLOCKED_HEAD, "q,1,4,4", Policy.FIFO, 1.0).queues().get("q");
        // A 0..100, B 100..150, C 150..160: queueing 0, 99, 148; JCT 100, 149, 158.
        assertStats(q, 3, 407 / 3.0, 247 / 3.0, 148, 148, 160, 510.0 / (4 * 160));
    }

    @Test
    void defaultLetsTheSmallJobPassTheBlockedHead() throws IOException {
        ReplayStats q = replay(SMALL_JOB_BEHIND_BLOCKED_HEAD, "q,1,4,4", Policy.DEFAULT, 1.0).queues().get("q");
        // A 0..100, C 2..12, B 100..150: queueing 0, 0, 99; JCT 100, 10, 149.
        assertStats(q, 3, 259 / 3.0, 33, 99, 99, 150, 510.0 / (4 * 150));
    }

    @Test
    void sjfOracleMatchesDefaultWhenOnlyOneJobFits() throws IOException {
        ReplayStats q = replay(SMALL_JOB_BEHIND_BLOCKED_HEAD, "q,1,4,4", Policy.SJF_ORACLE, 1.0).queues().get("q");
        assertStats(q, 3, 259 / 3.0, 33, 99, 99, 150, 510.0 / (4 * 150));
    }

    @Test
    void fifoAndDefaultStartTheEarlierJobFirst() throws IOException {
        for (Policy policy : List.of(Policy.FIFO, Policy.DEFAULT)) {
            ReplayStats q = replay(SHORT_JOB_BEHIND_LONG_ONE, "q,1,4,4", policy, 1.0).queues().get("q");
            // A 0..100, B 100..150, C 150..160.
            assertStats(q, 3, 407 / 3.0, 247 / 3.0, 148, 148, 160, 620.0 / (4 * 160));
        }
    }

    @Test
    void sjfOracleStartsTheShortJobFirst() throws IOException {
        ReplayStats q = replay(SHORT_JOB_BEHIND_LONG_ONE, "q,1,4,4", Policy.SJF_ORACLE, 1.0).queues().get("q");
        // A 0..100, C 100..110, B 110..160: queueing 0, 98, 109; JCT 100, 108, 159.
        assertStats(q, 3, 367 / 3.0, 207 / 3.0, 109, 109, 160, 620.0 / (4 * 160));
    }

    /**
     * Three 4-GPU nodes with one GPU free on each: the head (2 GPUs on one node) and the 1-GPU job behind it fit the
     * free GPUs by count, so both are offered to the core, which cannot place the head but does place the job behind
     * it; FIFO must drop that placement.
     */
    @Test
    void fifoDropsWhatTheCorePlacedBehindAnUnplacedHead() throws IOException {
        String trace = """
                a,0,100,3,,q,
                b,0,100,3,,q,
                e,0,100,3,,q,
                c,1,10,2,,q,
                d,2,10,1,,q,
                """;
        ReplayStats fifo = replay(trace, "q,3,4,12", Policy.FIFO, 1.0).queues().get("q");
        // a, b, e 0..100, one per node; c and d 100..110: queueing 0, 0, 0, 99, 98.
        assertStats(fifo, 5, 517 / 5.0, 197 / 5.0, 99, 99, 110, 930.0 / (12 * 110));
        ReplayStats fallback = replay(trace, "q,3,4,12", Policy.DEFAULT, 1.0).queues().get("q");
        // d starts at once on a free GPU: queueing 0, 0, 0, 99, 0.
        assertStats(fallback, 5, 419 / 5.0, 99 / 5.0, 99, 99, 110, 930.0 / (12 * 110));
    }

    @Test
    void rowsOfUnlistedQueuesAreSkippedAndCounted() throws IOException {
        ReplayResult result = replay("""
                a,0,10,1,,q,
                b,0,10,1,,other,
                c,5,10,1,,other,
                d,7,10,1,,third,
                """, "q,1,8,8", Policy.DEFAULT, 1.0);
        assertEquals(3, result.unlistedQueueRows());
        assertEquals(Map.of("other", 2L, "third", 1L), result.unlistedRowsByQueue());
        assertEquals(1, result.overall().jobs());
        assertEquals(List.of("q"), List.copyOf(result.queues().keySet()));
    }

    @Test
    void aJobLargerThanANodeBecomesAGangOfEqualReplicas() {
        assertEquals(new GangShape(1, 1), GangShape.of(1, 8));
        assertEquals(new GangShape(1, 8), GangShape.of(8, 8));
        assertEquals(new GangShape(2, 6), GangShape.of(12, 8));
        assertEquals(new GangShape(2, 8), GangShape.of(16, 8));
        assertEquals(new GangShape(3, 8), GangShape.of(24, 8));
        assertEquals(new GangShape(16, 8), GangShape.of(128, 8));
        // 20 GPUs do not split evenly over 3 nodes: 3 x 7 holds one GPU more than asked.
        assertEquals(new GangShape(3, 7), GangShape.of(20, 8));
    }

    @Test
    void aMultiNodeGangWaitsForWholeNodesAndHoldsThemAll() throws IOException {
        // Two 8-GPU nodes. A 1-GPU job holds part of one node, so the 16-GPU gang (2 x 8) waits for it.
        ReplayResult result = replay("""
                a,0,30,1,,q,
                g,1,100,16,,q,
                b,2,10,1,,q,
                """, "q,2,8,16", Policy.DEFAULT, 1.0);
        ReplayStats q = result.queues().get("q");
        // a 0..30; b starts at 2 on the rest of the node (the gang cannot fit yet), ends 12; g 30..130.
        assertStats(q, 3, (30 + 129 + 10) / 3.0, (0 + 29 + 0) / 3.0, 29, 29, 130, (30 + 10 + 16 * 100) / (16.0 * 130));
        assertEquals(0, result.infeasibleJobs());
    }

    @Test
    void aJobLargerThanItsQueueClusterIsSkippedAsInfeasible() throws IOException {
        ReplayResult result = replay("""
                a,0,10,24,,q,
                b,0,10,16,,q,
                """, "q,2,8,16", Policy.DEFAULT, 1.0);
        assertEquals(1, result.infeasibleJobs());
        assertEquals(1, result.overall().jobs());
    }

    @Test
    void scaleCapacityMultipliesNodesRoundedAndKeepsAtLeastOne() throws IOException {
        assertEquals(32, new QueueCapacity("q", 64, 8).scaled(0.5).nodes());
        assertEquals(2, new QueueCapacity("q", 3, 8).scaled(0.5).nodes());
        assertEquals(1, new QueueCapacity("q", 1, 8).scaled(0.1).nodes());
        assertEquals(6, new QueueCapacity("q", 4, 8).scaled(1.5).nodes());
        assertThrows(IllegalArgumentException.class, () -> new QueueCapacity("q", 4, 8).scaled(0));

        String trace = """
                a,0,10,1,,q,
                b,0,10,1,,q,
                """;
        ReplayStats full = replay(trace, "q,2,1,2", Policy.DEFAULT, 1.0).queues().get("q");
        assertStats(full, 2, 10, 0, 0, 0, 10, 1.0);
        ReplayStats half = replay(trace, "q,2,1,2", Policy.DEFAULT, 0.5).queues().get("q");
        // One 1-GPU node: b waits for a.
        assertStats(half, 2, 15, 5, 10, 10, 20, 1.0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"fifo", "sjf-oracle", "default"})
    void slicingTheCycleNeverChangesAPlacement(String policyName) throws IOException {
        Policy policy = Policy.parse(policyName);
        Random random = new Random(42);
        StringBuilder trace = new StringBuilder();
        int[] sizes = {1, 1, 1, 1, 2, 4, 8, 16};
        long t = 0;
        for (int i = 0; i < 400; i++) {
            t += random.nextInt(5);
            trace.append("j").append(i).append(',').append(t).append(',').append(1 + random.nextInt(200)).append(',')
                    .append(sizes[random.nextInt(sizes.length)]).append(",,").append(i % 3 == 0 ? "a" : "b").append(",\n");
        }
        Path traceFile = write("trace.csv", HEADER + "\n" + trace);
        Path capacityFile = write("capacity.csv", "queue,nodes,gpus_per_node,gpus\na,3,8,24\nb,2,8,16\n");
        List<TraceJob> jobs = TraceFiles.readJobs(traceFile);
        List<QueueCapacity> capacities = TraceFiles.readCapacities(capacityFile);
        List<ReplayStats> results = new ArrayList<>();
        for (int slice : new int[] {1, 3, 1000}) {
            ReplayResult result = TraceReplay.run(jobs, capacities, policy, 1.0, slice);
            results.add(new ReplayStats(result.overall().jobs(), result.overall().avgJctS(), result.overall().avgQueueS(),
                    result.overall().p99QueueS(), result.overall().maxQueueS(), result.overall().makespanS(),
                    result.overall().gpuUtilization(), 0));
        }
        assertEquals(400, results.get(0).jobs());
        assertEquals(results.get(0), results.get(1));
        assertEquals(results.get(0), results.get(2));
    }

    private ReplayResult replay(String rows, String capacityRow, Policy policy, double scale) throws IOException {
        Path trace = write("trace.csv", HEADER + "\n" + rows);
        Path capacity = write("capacity.csv", "queue,nodes,gpus_per_node,gpus\n" + capacityRow + "\n");
        return TraceReplay.run(TraceFiles.readJobs(trace), TraceFiles.readCapacities(capacity), policy, scale,
                TraceReplay.DEFAULT_MAX_JOBS_PER_CYCLE);
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    private static void assertStats(ReplayStats s, long jobs, double avgJct, double avgQueue, double p99Queue, double maxQueue,
                                    double makespan, double utilization) {
        assertEquals(jobs, s.jobs(), "jobs");
        assertEquals(avgJct, s.avgJctS(), 1e-9, "avg_jct_s");
        assertEquals(avgQueue, s.avgQueueS(), 1e-9, "avg_queue_s");
        assertEquals(p99Queue, s.p99QueueS(), 1e-9, "p99_queue_s");
        assertEquals(maxQueue, s.maxQueueS(), 1e-9, "max_queue_s");
        assertEquals(makespan, s.makespanS(), 1e-9, "makespan_s");
        assertEquals(utilization, s.gpuUtilization(), 1e-9, "gpu_utilization");
    }
}
