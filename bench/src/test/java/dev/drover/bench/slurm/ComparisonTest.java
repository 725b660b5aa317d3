package dev.drover.bench.slurm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The side-by-side table: Slurm's best over profiles and Drover's advantage over it, each figure the right way round. */
class ComparisonTest {
    private static final String TAG = "RESULT PROFILE=x ";

    private static SlurmResults profile(String name, double rate, double e2e, double gang, double p50) {
        SlurmResults r = new SlurmResults(name);
        r.accept(TAG + "test=submit N=2000 clients=1 submit_s=1 submit_rate=" + rate + "/s e2e_s=" + e2e + " e2e_rate=1/s failed=0");
        r.accept(TAG + "test=gang N=500 shape=-N2,gpu:4/node,'srun true' submit_s=1 submit_rate=1/s e2e_s=" + gang + " failed=0");
        r.accept(TAG + "test=lat N=20 sched_to_RUNNING[p50=" + p50 + "ms p90=" + (2 * p50) + "ms max=" + (3 * p50) + "ms mean=1ms] failed=0");
        return r;
    }

    @Test
    void comparesEachFigureWithTheBestProfile() {
        SlurmResults def = profile("default", 108.9, 22.6, 16.6, 1730);
        SlurmResults tunedB = profile("tunedB", 107.0, 18.9, 14.4, 490);
        Comparison c = new Comparison(Map.of(
                Comparison.Figure.SUBMIT_RATE, 1089.0,
                Comparison.Figure.TRIVIAL_ALL_DONE, 3.78,
                Comparison.Figure.GANG_ALL_DONE, 1.44,
                Comparison.Figure.LATENCY_P50, 20.0), List.of(def, tunedB));
        assertEquals(108.9, c.slurmBest(Comparison.Figure.SUBMIT_RATE).value(), "higher is better for a rate");
        assertEquals(18.9, c.slurmBest(Comparison.Figure.TRIVIAL_ALL_DONE).value(), "lower is better for a time");
        assertTrue(c.slurmBest(Comparison.Figure.LATENCY_P50).how().startsWith("tunedB"));
        String table = c.table();
        String[] lines = table.split("\n");
        assertTrue(lines[0].contains("Slurm default") && lines[0].contains("Slurm tunedB") && lines[0].contains("Drover vs best"), lines[0]);
        assertTrue(line(lines, "submit, jobs/s").contains("10.00x") && line(lines, "submit, jobs/s").contains(">= 10x: met"), table);
        assertTrue(line(lines, "trivial jobs: first submit").contains("5.00x") && line(lines, "trivial jobs: first submit").contains("missed"),
                table);
        assertTrue(line(lines, "gangs").contains("10.00x"), table);
        assertTrue(line(lines, "p50").contains("24.50x") && line(lines, "p50").contains("<= 25 ms: met"), table);
        assertTrue(line(lines, "p90").contains(" - "), "Drover measured no p90 here: " + line(lines, "p90"));
    }

    private static String line(String[] lines, String part) {
        for (String l : lines) {
            if (l.contains(part)) {
                return l;
            }
        }
        throw new AssertionError("no line with " + part);
    }
}
