package dev.drover.bench.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class FleetBenchCommandTest {

    private static FleetBenchCommand parse(String... args) {
        FleetBenchCommand c = new FleetBenchCommand();
        new CommandLine(c).parseArgs(args);
        return c;
    }

    @Test
    void defaultsAreTheScaleRunAndBadOptionsAreNamed() {
        FleetBenchCommand c = parse();
        assertEquals(List.of(), c.problems());
        assertEquals(1000, c.agents);
        assertEquals(16, c.baselineAgents);
        assertEquals("10m", c.duration);
        assertEquals(List.of("--agents must be from 1 to 10000, got 0"), parse("--agents", "0").problems());
        assertEquals(List.of("--gpus-per-agent must be from 1 to 64, got 0"), parse("--gpus-per-agent", "0").problems());
        assertEquals(List.of("--duration must be from 30s to 1d, got '20s'"), parse("--duration", "20s").problems());
        assertTrue(parse("--sample-every", "often").problems().get(0).startsWith("invalid --sample-every 'often'"));
        assertEquals(List.of("--latency-jobs must be from 1 to 1000, got 0"), parse("--latency-jobs", "0").problems());
        assertEquals(List.of("--stagger must be from 0s to 10s, got '1m'"), parse("--stagger", "1m").problems());
    }

    @Test
    void histogramQuantilesInterpolateInsideTheBucketLikePromQl() {
        String before = """
                # TYPE drover_scheduler_cycle_duration_seconds histogram
                drover_scheduler_cycle_duration_seconds_bucket{le="0.001"} 10.0
                drover_scheduler_cycle_duration_seconds_bucket{le="0.0025"} 10.0
                drover_scheduler_cycle_duration_seconds_bucket{le="0.005"} 10.0
                drover_scheduler_cycle_duration_seconds_bucket{le="+Inf"} 10.0
                drover_scheduler_cycle_duration_seconds_count 10.0
                drover_scheduler_cycle_duration_seconds_sum 0.005
                """;
        String after = """
                drover_scheduler_cycle_duration_seconds_bucket{le="0.001"} 10.0
                drover_scheduler_cycle_duration_seconds_bucket{le="0.0025"} 20.0
                drover_scheduler_cycle_duration_seconds_bucket{le="0.005"} 30.0
                drover_scheduler_cycle_duration_seconds_bucket{le="+Inf"} 30.0
                drover_scheduler_cycle_duration_seconds_count 30.0
                drover_scheduler_cycle_duration_seconds_sum 0.075
                drover_scheduler_cycle_duration_seconds_other 99
                """;
        PromHistogram d = PromHistogram.parse(after, "drover_scheduler_cycle_duration_seconds")
                .minus(PromHistogram.parse(before, "drover_scheduler_cycle_duration_seconds"));
        assertEquals(20, d.count());
        assertEquals(0.0035, d.mean(), 1e-12);
        // 10 cycles in (1, 2.5] ms and 10 in (2.5, 5] ms: the median is the top of the first of those buckets
        assertEquals(0.0025, d.quantile(0.5), 1e-12);
        assertEquals(0.001 + 0.0015 * 0.5, d.quantile(0.25), 1e-12);
        assertEquals(0.0025 + 0.0025 * 0.98, d.quantile(0.99), 1e-12);
        assertTrue(Double.isNaN(PromHistogram.parse("", "x").quantile(0.5)));
    }

    @Test
    void jstatColumnsGiveHeapAndOldGenerationUsed() throws Exception {
        String out = """
                 S0C    S1C    S0U    S1U      EC       EU        OC         OU       MC     MU    CCSC   CCSU   YGC     YGCT    FGC    FGCT     CGC    CGCT     GCT
                4352.0 4352.0  0.0   1024.0 34944.0  10240.0   87424.0    20480.0  59136.0 56000.0 7424.0 6700.0     30    0.200   2      0.300   -          -    0.500
                """;
        long[] heap = JvmSampler.parseJstat(out);
        assertEquals((1024 + 10240 + 20480) * 1024L, heap[0]);
        assertEquals(20480 * 1024L, heap[1]);
    }

    @Test
    void thirdsSplitTheSamplesAndNeverComeOutEmpty() {
        List<JvmSampler.Sample> s = new java.util.ArrayList<>();
        for (int i = 1; i <= 7; i++) {
            s.add(new JvmSampler.Sample(i * 10, i, 0, 0));
        }
        assertEquals(1.5, FleetBenchCommand.third(s, 0, JvmSampler.Sample::cpuPercent), 1e-9);
        assertEquals(6.0, FleetBenchCommand.third(s, 2, JvmSampler.Sample::cpuPercent), 1e-9);
        assertEquals(1, FleetBenchCommand.thirdOf(s.subList(0, 1), 2).size());
    }
}
