package dev.drover.bench.slurm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Options of drover bench slurm: bad ones are refused before anything starts. */
class SlurmCompareCommandTest {

    private static int run(ByteArrayOutputStream err, String... args) {
        SlurmCompareCommand c = new SlurmCompareCommand(new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true));
        return new CommandLine(c).execute(args);
    }

    @Test
    void theDefaultsCompareWithDefaultAndTunedB() {
        SlurmCompareCommand c = new SlurmCompareCommand();
        new CommandLine(c).parseArgs();
        assertEquals(List.of("default", "tunedB"), c.slurmProfiles());
        assertTrue(c.problems().isEmpty(), c.problems().toString());
    }

    @Test
    void noneRunsDroverOnly() {
        SlurmCompareCommand c = new SlurmCompareCommand();
        new CommandLine(c).parseArgs("--slurm-profiles", "none");
        assertEquals(List.of(), c.slurmProfiles());
    }

    @Test
    void unknownProfilesAndShapesThatCannotHoldTheGangsAreRefused() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(2, run(err, "--slurm-profiles", "default,fast", "--agents", "1", "--gpus-per-agent", "2", "--clients", "0",
                "--warmup-gangs", "-1"));
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.contains("unknown profile 'fast'"), e);
        assertTrue(e.contains("--agents must be from 2"), e);
        assertTrue(e.contains("--gpus-per-agent must be from 4"), e);
        assertTrue(e.contains("--clients"), e);
        assertTrue(e.contains("--warmup and --warmup-gangs must be 0 or more, got 2000 and -1"), e);
    }

    @Test
    void everyDocumentedProfileIsKnown() {
        for (String name : SlurmProfile.NAMES) {
            assertEquals(name, SlurmProfile.named(name).name());
        }
        assertEquals("tunedB", SlurmProfile.named("tunedB").env().get("VARIANT"));
        assertTrue(SlurmProfile.named("tunedB").env().get("SCHED_PARAMS").contains("batch_sched_delay=0"));
    }
}
