package dev.drover.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drover.protocol.spec.JobSpec;
import dev.drover.protocol.spec.JobSpecs;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoadSettingsTest {
    private static final List<URI> ONE = List.of(URI.create("http://127.0.0.1:8080"));

    @Test
    void theDefaultsAreUsable() {
        LoadSettings s = LoadSettings.defaults(ONE, "tok");
        assertEquals(List.of(), s.problems());
        assertEquals(4, s.clients());
        assertEquals(500, s.jobs());
        assertEquals(List.of("true"), s.command());
    }

    @Test
    void eachBadValueIsNamed() {
        LoadSettings s = new LoadSettings(List.of(URI.create("ftp://x"), URI.create("localhost:8080")), " ", 0, 0, -1, 0, -1, List.of(),
                Duration.ZERO, null);
        List<String> p = s.problems();
        assertTrue(p.stream().anyMatch(m -> m.contains("'ftp://x'")), p.toString());
        assertTrue(p.stream().anyMatch(m -> m.contains("'localhost:8080'")), p.toString());
        for (String option : List.of("--token", "--clients", "--jobs", "--warmup", "--replicas", "--gpus", "--command", "--running-timeout")) {
            assertTrue(p.stream().anyMatch(m -> m.startsWith(option)), option + " in " + p);
        }
        assertEquals(List.of("--url: give at least one coordinator URL"), LoadSettings.defaults(List.of(), "t").problems());
        assertTrue(LoadSettings.defaults(ONE, "t").withClients(257).problems().get(0).startsWith("--clients"));
    }

    @Test
    void theGeneratorRefusesUnusableSettings() {
        assertThrows(IllegalArgumentException.class, () -> new LoadGenerator(LoadSettings.defaults(ONE, null), System.err));
    }

    @Test
    void theJobSpecIsOneTheCoordinatorAccepts() throws Exception {
        LoadSettings s = LoadSettings.defaults(ONE, "t").withShape(2, 4).withMarker("bench-123");
        JobSpec spec = JobSpecs.parseValidated(s.spec("ab12cd34", 17).getBytes(StandardCharsets.UTF_8), JobSpecs.Format.YAML);
        assertEquals("load-ab12cd34-17", spec.name());
        assertEquals(2, spec.replicas());
        assertEquals(4, spec.resources().gpus());
        assertEquals(List.of("true"), spec.command());
        assertEquals("bench-123", spec.env().get("BENCH_RUN_MARKER"));
    }

    @Test
    void commandsAreQuotedForYaml() throws Exception {
        LoadSettings s = new LoadSettings(ONE, "t", 1, 1, 0, 1, 0, List.of("sh", "-c", "echo \"a: b\" \\ done"), Duration.ofSeconds(1), null);
        JobSpec spec = JobSpecs.parseValidated(s.spec("r", 0).getBytes(StandardCharsets.UTF_8), JobSpecs.Format.YAML);
        assertEquals(List.of("sh", "-c", "echo \"a: b\" \\ done"), spec.command());
    }
}
