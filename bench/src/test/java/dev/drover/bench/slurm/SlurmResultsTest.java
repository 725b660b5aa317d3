package dev.drover.bench.slurm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Reading bench.sh's RESULT lines (as the runs in shared/bench/slurm/results print them) and picking a profile's best. */
class SlurmResultsTest {
    private static final String TAG = "RESULT PROFILE=tuned,LAYOUT=multi,NODES=16,CPUS=8,GPUS=8,proctrack=cgroup,variant=tunedB,profile=tunedB ";

    private static SlurmResults tunedB() {
        SlurmResults r = new SlurmResults("tunedB");
        r.accept("[bench 10:00:00] submit: 2000 x sbatch --wrap true (1 client)");
        r.accept(TAG + "test=submit N=2000 clients=1 submit_s=18.692 submit_rate=107.0/s e2e_s=18.903 e2e_rate=105.8/s "
                + "failed=0 cpu_busy=97% pre_busy=12% sched_cycles=310");
        r.accept(TAG + "test=par N=2000 clients=4 submit_s=16.100 submit_rate=124.2/s e2e_s=17.600 e2e_rate=113.6/s failed=0 "
                + "cpu_busy=99% pre_busy=8% sched_cycles=290");
        r.accept(TAG + "test=array N=2000 submit_s=0.051 e2e_s=16.800 e2e_rate=119.0/s failed=0 cpu_busy=90% pre_busy=9% sched_cycles=80");
        r.accept(TAG + "test=gang N=500 shape=-N2,gpu:4/node,'srun true' submit_s=5.100 submit_rate=98.0/s e2e_s=14.400 "
                + "e2e_rate=34.7/s failed=0 cpu_busy=95% pre_busy=10% sched_cycles=100");
        r.accept(TAG + "test=gangalloc N=500 shape=-N2,gpu:4/node,'true' submit_s=4.900 submit_rate=102.0/s e2e_s=7.700 "
                + "e2e_rate=64.9/s failed=0 cpu_busy=95% pre_busy=10% sched_cycles=60");
        r.accept(TAG + "test=lat N=20 sbatch_call[p50=9ms p90=12ms max=30ms mean=10ms] sched_to_RUNNING[p50=490ms p90=880ms max=950ms "
                + "mean=500ms] to_script_start[p50=520ms p90=860ms max=990ms mean=530ms] failed=0 cpu_busy=20% pre_busy=5% sched_cycles=40");
        return r;
    }

    @Test
    void readsPlainAndGroupedFigures() {
        SlurmResults r = tunedB();
        assertEquals(107.0, r.get("submit", "submit_rate").orElseThrow());
        assertEquals(18.903, r.get("submit", "e2e_s").orElseThrow());
        assertEquals(14.4, r.get("gang", "e2e_s").orElseThrow());
        assertEquals(490, r.get("lat", "sched_to_RUNNING.p50").orElseThrow());
        assertEquals(860, r.get("lat", "to_script_start.p90").orElseThrow());
        assertEquals(9, r.get("lat", "sbatch_call.p50").orElseThrow());
        assertFalse(r.get("lat", "p50").isPresent(), "a grouped figure is only known under its group's name");
        assertTrue(r.has("array"));
    }

    @Test
    void theBestOfAProfileIsTakenOverItsVariantsAndSaysWhichItIs() {
        SlurmResults r = tunedB();
        Comparison.Value submit = r.best(Comparison.Figure.SUBMIT_RATE);
        assertEquals(124.2, submit.value());
        assertTrue(submit.how().contains("par"), submit.how());
        assertEquals(16.8, r.best(Comparison.Figure.TRIVIAL_ALL_DONE).value(), "the job arrays finished first");
        Comparison.Value gang = r.best(Comparison.Figure.GANG_ALL_DONE);
        assertEquals(7.7, gang.value());
        assertTrue(gang.how().contains("allocation only"), gang.how());
        assertEquals(490, r.best(Comparison.Figure.LATENCY_P50).value());
        assertEquals(860, r.best(Comparison.Figure.LATENCY_P90).value(), "each percentile takes the better of Slurm's two latencies");
        assertEquals(950, r.best(Comparison.Figure.LATENCY_MAX).value());
    }

    @Test
    void aTestThatDidNotRunHasNoBest() {
        SlurmResults r = new SlurmResults("default");
        r.accept(TAG + "test=gang skipped (needs >=2 nodes, have 1)");
        assertNull(r.best(Comparison.Figure.SUBMIT_RATE));
        assertNull(r.best(Comparison.Figure.GANG_ALL_DONE));
    }
}
