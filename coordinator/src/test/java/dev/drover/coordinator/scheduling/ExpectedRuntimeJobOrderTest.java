package dev.drover.coordinator.scheduling;

import static dev.drover.coordinator.scheduling.TestClusters.GIB;
import static dev.drover.coordinator.scheduling.TestClusters.NOW;
import static dev.drover.coordinator.scheduling.TestClusters.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.drover.coordinator.scheduling.cycle.SchedulerProfile;
import dev.drover.coordinator.scheduling.cycle.SchedulingCycle;
import dev.drover.coordinator.scheduling.model.ClusterSnapshot;
import dev.drover.coordinator.scheduling.model.PendingJob;
import dev.drover.coordinator.scheduling.model.Placement;
import dev.drover.coordinator.scheduling.model.Plan;
import dev.drover.coordinator.scheduling.plugin.ExpectedRuntimeJobOrder;
import dev.drover.coordinator.scheduling.plugin.PriorityJobOrder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ExpectedRuntimeJobOrderTest {
    /** Aging 0.2 s of estimate per second waited, 20 min for a job without an estimate. */
    private static final ExpectedRuntimeJobOrder ORDER = new ExpectedRuntimeJobOrder(0.2, Duration.ofMinutes(20));

    private static PendingJob job(String id, int priority, long seq, Instant submitted, Duration estimate) {
        return new PendingJob(id, 1, "default", priority, seq, submitted, 1, 1, 1.0, GIB).withExpectedRuntime(estimate);
    }

    private static Duration min(long minutes) {
        return Duration.ofMinutes(minutes);
    }

    static Stream<Arguments> table() {
        return Stream.of(
                Arguments.of("higher priority first, however long",
                        List.of(job("long", 5, 2, NOW, Duration.ofDays(7)), job("short", 0, 1, NOW, min(1))), List.of("long", "short")),
                Arguments.of("shorter estimate first within a priority",
                        List.of(job("a", 0, 1, NOW, min(90)), job("b", 0, 2, NOW, min(5)), job("c", 0, 3, NOW, min(30))),
                        List.of("b", "c", "a")),
                Arguments.of("no estimate counts as the missing estimate: between shorter and longer",
                        List.of(job("long", 0, 1, NOW, min(60)), job("none", 0, 2, NOW, null), job("short", 0, 3, NOW, min(10))),
                        List.of("short", "none", "long")),
                Arguments.of("equal estimates in submit time order, then submit sequence, then id",
                        List.of(job("late", 0, 1, NOW.plusSeconds(5), min(10)), job("y", 0, 2, NOW, min(10)), job("x", 0, 2, NOW, min(10)),
                                job("early", 0, 3, NOW, min(10))),
                        List.of("x", "y", "early", "late")),
                Arguments.of("aging: a 2 h job that waited 8 h goes before a fresh 30 min job ((120 - 30) / 0.2 = 7.5 h)",
                        List.of(job("fresh", 0, 2, NOW.plus(Duration.ofHours(8)), min(30)), job("old", 0, 1, NOW, min(120))),
                        List.of("old", "fresh")),
                Arguments.of("aging: but not one that waited only 7 h",
                        List.of(job("fresh", 0, 2, NOW.plus(Duration.ofHours(7)), min(30)), job("old", 0, 1, NOW, min(120))),
                        List.of("fresh", "old")),
                Arguments.of("zero estimate is allowed and goes first",
                        List.of(job("a", 0, 1, NOW, min(1)), job("zero", 0, 2, NOW, Duration.ZERO)), List.of("zero", "a")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void orders(String name, List<PendingJob> jobs, List<String> expected) {
        List<PendingJob> sorted = new ArrayList<>(jobs);
        sorted.sort(ORDER);
        assertEquals(expected, sorted.stream().map(PendingJob::jobId).toList());
    }

    @Test
    void withoutEstimatesTheOrderIsTodaysPriorityThenSubmitSequence() {
        Random random = new Random(7);
        for (int round = 0; round < 200; round++) {
            List<PendingJob> jobs = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                long seq = random.nextInt(1_000_000);
                // As the coordinator builds them: the sequence is the submit time in microseconds.
                jobs.add(job("j" + i, random.nextInt(4), seq, Instant.EPOCH.plusNanos(seq * 1000), null));
            }
            List<PendingJob> today = new ArrayList<>(jobs);
            today.sort(new PriorityJobOrder());
            Collections.shuffle(jobs, random);
            jobs.sort(ORDER);
            assertEquals(today, jobs);
        }
    }

    @Test
    void theOrderIsTheSameWhateverTheInputOrder() {
        Random random = new Random(11);
        for (int round = 0; round < 200; round++) {
            List<PendingJob> jobs = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                Duration estimate = random.nextInt(5) == 0 ? null : Duration.ofSeconds(random.nextInt(100_000));
                jobs.add(job("j" + i, random.nextInt(3), random.nextInt(20), NOW.plusSeconds(random.nextInt(50_000)), estimate));
            }
            List<PendingJob> first = new ArrayList<>(jobs);
            first.sort(ORDER);
            Collections.shuffle(jobs, random);
            jobs.sort(ORDER);
            assertEquals(first, jobs);
            for (int i = 1; i < jobs.size(); i++) {
                assertEquals(true, ORDER.compare(jobs.get(i - 1), jobs.get(i)) < 0, "strictly increasing at " + i);
            }
        }
    }

    @Test
    void anAbsurdEstimateSortsLastInsteadOfOverflowing() {
        List<PendingJob> jobs = new ArrayList<>(List.of(job("huge", 0, 1, NOW, Duration.ofDays(365L * 1_000_000)),
                job("small", 0, 2, NOW, min(1))));
        jobs.sort(new ExpectedRuntimeJobOrder(1e-9, min(1)));
        assertEquals(List.of("small", "huge"), jobs.stream().map(PendingJob::jobId).toList());
    }

    @Test
    void rejectsANonPositiveAgingRateAndANegativeEstimate() {
        assertThrows(IllegalArgumentException.class, () -> new ExpectedRuntimeJobOrder(0, min(1)));
        assertThrows(IllegalArgumentException.class, () -> new ExpectedRuntimeJobOrder(Double.NaN, min(1)));
        assertThrows(IllegalArgumentException.class, () -> job("x", 0, 1, NOW, Duration.ofSeconds(-1)));
    }

    @Test
    void theCycleStartsTheShorterExpectedRuntimeOnTheOneFreeNode() {
        SchedulingCycle cycle = new SchedulingCycle(SchedulerProfile.defaults().withJobOrder(ORDER), SchedulingCycle.defaults().actions());
        List<PendingJob> pending = List.of(
                new PendingJob("long", 1, "default", 0, 1, NOW, 1, 8, 1.0, GIB).withExpectedRuntime(Duration.ofHours(10)),
                new PendingJob("short", 1, "default", 0, 2, NOW.plusSeconds(60), 1, 8, 1.0, GIB).withExpectedRuntime(min(10)));
        Plan plan = cycle.plan(new ClusterSnapshot(List.of(node("n1", 8).build()), pending, NOW.plusSeconds(60)));
        assertEquals(List.of("short"), plan.placements().stream().map(Placement::jobId).toList());
        // The default profile keeps today's order.
        Plan today = SchedulingCycle.run(new ClusterSnapshot(List.of(node("n1", 8).build()), pending, NOW.plusSeconds(60)));
        assertEquals(List.of("long"), today.placements().stream().map(Placement::jobId).toList());
    }

    @Test
    void withJobOrderKeepsFiltersAndScorers() {
        SchedulerProfile defaults = SchedulerProfile.defaults();
        SchedulerProfile profile = defaults.withJobOrder(ORDER);
        assertEquals(ExpectedRuntimeJobOrder.NAME, profile.jobOrder().name());
        assertEquals(defaults.filters(), profile.filters());
        assertEquals(defaults.scorers(), profile.scorers());
    }
}
