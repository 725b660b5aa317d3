package dev.drover.bench.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class LedgerBenchCommandTest {
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private LedgerBenchCommand parse(String... args) {
        LedgerBenchCommand c = new LedgerBenchCommand(new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
        new CommandLine(c).parseArgs(args);
        return c;
    }

    @Test
    void theDefaultsAreAMillionDecisionsOnCassandra() {
        LedgerBenchCommand c = parse();
        assertNull(c.validate());
        assertEquals("cassandra", c.store);
        assertEquals(1_000_000, c.events);
        assertEquals(3, c.repeats);
    }

    @Test
    void badOptionsAreNamed() {
        assertEquals("--store must be cassandra or h2, got 'mysql'", parse("--store", "mysql").validate());
        assertEquals("--events must be at least 1, got 0", parse("--events", "0").validate());
        assertEquals("--repeats must be from 1 to 100, got 0", parse("--repeats", "0").validate());
        assertEquals("--batch must be from 1 to 500, got 501", parse("--batch", "501").validate());
        assertEquals("--nodes must be at least 4, got 2", parse("--nodes", "2").validate());
        assertEquals("--settle must be from 0 to 3600 seconds, got -1", parse("--settle", "-1").validate());
        assertEquals("--cassandra is for --store cassandra", parse("--store", "h2", "--cassandra", "127.0.0.1:9042").validate());
        assertTrue(parse("--cassandra", "nohostport").validate().startsWith("--cassandra"), parse("--cassandra", "nohostport").validate());
        assertNull(parse("--store", "h2", "--events", "10").validate());
    }

    @Test
    void anInvalidRunStopsBeforeStartingAnything() {
        LedgerBenchCommand c = parse("--events", "-5");
        assertEquals(2, new CommandLine(c).execute("--events", "-5"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--events must be at least 1"));
    }

    @Test
    void theTableHasOneRowPerCase() {
        String t = LedgerBenchCommand.table("cassandra", 1_000_000, 0,
                List.of(new LedgerBenchCommand.Trial(0.5, 1, 1), new LedgerBenchCommand.Trial(0.7, 1, 1), new LedgerBenchCommand.Trial(2.5, 1, 1)),
                List.of(new LedgerBenchCommand.Trial(70, 1, 1), new LedgerBenchCommand.Trial(65, 1, 1)));
        String[] lines = t.split("\n");
        assertEquals(3, lines.length, t);
        assertTrue(lines[1].matches("cassandra\\s+1,000,000 yes\\s+0\\s+3\\s+0\\.700\\s+0\\.500\\s+2\\.500"), lines[1]);
        assertTrue(lines[2].matches("cassandra\\s+1,000,000 no\\s+1,000,000\\s+2\\s+65\\.000\\s+65\\.000\\s+70\\.000"), lines[2]);
    }
}
