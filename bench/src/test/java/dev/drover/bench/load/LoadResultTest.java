package dev.drover.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoadResultTest {
    private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");

    private static JobTiming job(int n, long acceptMs, long runningMs, int attempts) {
        Instant submitted = T0.plusMillis(n * 10L);
        return new JobTiming(n, "j-" + n, 0, submitted, acceptMs * 1_000_000, attempts, null, submitted.plusMillis(runningMs / 2),
                submitted.plusMillis(runningMs), "SUCCEEDED");
    }

    private static LoadResult run(long acceptMs, long runningMs, double seconds) {
        LoadSettings s = LoadSettings.defaults(List.of(URI.create("http://127.0.0.1:1")), "t").withJobs(4);
        return new LoadResult(s, T0, seconds, List.of(job(0, acceptMs, runningMs, 1), job(1, acceptMs, runningMs, 2),
                job(2, acceptMs * 2, runningMs * 2, 1),
                new JobTiming(3, null, -1, T0, 5_000_000, 5, "503 store unavailable", null, null, null)));
    }

    @Test
    void figuresCountOnlyAcceptedJobs() {
        LoadResult r = run(10, 400, 2.0);
        assertEquals(3, r.accepted());
        assertEquals(3, r.ran());
        assertEquals(1, r.retries());
        assertEquals(1.5, r.acceptedPerSecond(), 1e-9);
        assertEquals(10.0, r.acceptMillis().p50(), 1e-9);
        assertEquals(20.0, r.acceptMillis().max(), 1e-9);
        assertEquals(400.0, r.runningMillis().p50(), 1e-9);
        assertEquals(800.0, r.runningMillis().percentile(99), 1e-9);
        // the last job became running 20 ms + 800 ms after the first submit
        assertEquals(3 / 0.82, r.runningPerSecond(), 1e-9);
    }

    @Test
    void comparisonPrintsBothRunsAndTheirRatio() {
        String table = LoadResult.compare(List.of("h2", "cluster"), List.of(run(10, 400, 2.0), run(20, 1200, 4.0)), true);
        String[] lines = table.split("\n");
        assertTrue(lines[0].startsWith("figure"), table);
        assertTrue(lines[0].contains("cluster / h2"), table);
        String accepted = List.of(lines).stream().filter(l -> l.startsWith("accepted/s")).findFirst().orElseThrow();
        assertTrue(accepted.matches("accepted/s\\s+1\\.50\\s+0\\.75\\s+0\\.50x"), accepted);
        String running = List.of(lines).stream().filter(l -> l.startsWith("submit->running ms p50")).findFirst().orElseThrow();
        assertTrue(running.matches("submit->running ms p50\\s+400\\.0\\s+1,200\\.0\\s+3\\.00x"), running);
    }
}
