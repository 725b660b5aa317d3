package dev.drover.bench.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class HaBenchCommandTest {
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private HaBenchCommand parse(String... args) {
        HaBenchCommand c = new HaBenchCommand(new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
        new CommandLine(c).parseArgs(args);
        return c;
    }

    @Test
    void theDefaultsAreThreeCoordinatorsFourAgentsAndFiveHundredJobs() {
        HaBenchCommand c = parse();
        assertEquals(List.of(), c.problems());
        assertEquals(3, c.coordinators);
        assertEquals(4, c.agents);
        assertEquals(8, c.gpusPerAgent);
        assertEquals(500, c.jobs);
        assertEquals(4, c.clients);
    }

    @Test
    void badOptionsAreNamedAndNothingStarts() {
        HaBenchCommand c = parse("--coordinators", "1", "--agents", "0", "--jobs", "0", "--cassandra", "localhost");
        List<String> p = c.problems();
        assertTrue(p.stream().anyMatch(m -> m.startsWith("--coordinators must be from 2 to 9")), p.toString());
        assertTrue(p.stream().anyMatch(m -> m.startsWith("--agents must be from 1 to 64")), p.toString());
        assertTrue(p.stream().anyMatch(m -> m.startsWith("--jobs must be at least 1")), p.toString());
        assertTrue(p.stream().anyMatch(m -> m.startsWith("--cassandra must be HOST:PORT")), p.toString());
        assertEquals(2, new CommandLine(new HaBenchCommand(new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8))).execute("--clients", "0"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--clients must be from 1 to 256"));
    }
}
