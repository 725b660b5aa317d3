package dev.drover.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class LoadCommandTest {
    @TempDir
    Path dir;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return new CommandLine(new LoadCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8))).execute(args);
    }

    private String errors() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void readsTheFirstAdminTokenOfATokensFile() throws Exception {
        Path tokens = Files.writeString(dir.resolve("tokens.json"), """
                {"tokens":[{"name":"bob","role":"user","token":"u-1"},{"name":"admin","role":"admin","token":"a-1"},
                           {"name":"root","role":"admin","token":"a-2"}]}
                """);
        assertEquals("a-1", LoadCommand.readToken(tokens));
        assertEquals("plain", LoadCommand.readToken(Files.writeString(dir.resolve("t"), "plain\n")));
        assertThrows(IllegalArgumentException.class, () -> LoadCommand.readToken(Files.writeString(dir.resolve("e"), " \n")));
        assertThrows(IllegalArgumentException.class,
                () -> LoadCommand.readToken(Files.writeString(dir.resolve("u.json"), "{\"tokens\":[{\"role\":\"user\",\"token\":\"x\"}]}")));
    }

    @Test
    void badOptionsAreRefusedBeforeAnythingIsSent() {
        assertEquals(2, run("--url", "http://127.0.0.1:1", "--jobs", "0", "--clients", "0"));
        assertTrue(errors().contains("--token or --token-file"), errors());
        assertTrue(errors().contains("--jobs must be at least 1"), errors());
        assertTrue(errors().contains("--clients must be from 1 to 256"), errors());
    }

    @Test
    void tokenAndTokenFileExcludeEachOther() throws Exception {
        Path t = Files.writeString(dir.resolve("t"), "abc");
        assertEquals(2, run("--url", "http://127.0.0.1:1", "--token", "x", "--token-file", t.toString()));
        assertTrue(errors().contains("not both"), errors());
    }

    @Test
    void theOutputFormatIsChecked() {
        assertEquals(2, run("--url", "http://127.0.0.1:1", "--token", "x", "-o", "xml"));
        assertTrue(errors().contains("-o must be table or json"), errors());
    }

    @Test
    void aUrlIsRequired() {
        assertEquals(2, run("--token", "x"));
    }
}
