package dev.drover.bench.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplayCommandTest {
    @TempDir
    Path dir;
    private Path trace;
    private Path capacity;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void writeFiles() throws IOException {
        trace = Files.writeString(dir.resolve("trace.csv"), """
                job_id,submit_time_s,duration_s,num_gpus,num_nodes,user_or_queue,status
                a,0,100,3,,q1,
                b,1,50,4,,q1,
                c,2,10,1,,q2,
                d,3,10,1,,gone,
                """);
        capacity = Files.writeString(dir.resolve("capacity.csv"), "queue,nodes,gpus_per_node,gpus\nq1,1,4,4\nq2,1,8,8\n");
    }

    @Test
    void jsonHasExactlyTheDocumentedFields() throws IOException {
        assertEquals(0, run("--trace", trace.toString(), "--capacity", capacity.toString(), "-o", "json"));
        JsonNode root = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
        assertEquals(List.of("overall", "queues"), names(root));
        assertEquals(ReplayReport.FIELDS, names(root.get("overall")));
        assertEquals(List.of("q1", "q2"), names(root.get("queues")));
        for (JsonNode queue : root.get("queues")) {
            assertEquals(ReplayReport.FIELDS, names(queue));
        }
        assertEquals(3, root.get("overall").get("jobs").asLong());
        assertEquals(10.0, root.get("queues").get("q2").get("avg_jct_s").asDouble());
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("1 skipped (queue not in the capacity file: gone 1)"),
                err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void tablePrintsAQueueRowAndTheOverallRowWithTheSkippedCount() {
        assertEquals(0, run("--trace", trace.toString(), "--capacity", capacity.toString(), "--policy", "fifo"));
        String table = out.toString(StandardCharsets.UTF_8);
        String[] lines = table.split("\n");
        assertTrue(lines[0].startsWith("queue") && lines[0].contains("avg_jct_s") && lines[0].contains("scheduler_cpu_s"), table);
        assertTrue(lines[1].startsWith("q1 "), table);
        assertTrue(lines[3].startsWith("overall"), table);
        assertEquals(lines[0].length(), lines[3].length(), "columns are aligned");
        assertTrue(table.contains("1 skipped (queue not in the capacity file: gone 1)"), table);
    }

    @Test
    void anUnknownPolicyIsAnError() {
        assertEquals(2, run("--trace", trace.toString(), "--capacity", capacity.toString(), "--policy", "lifo"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown policy 'lifo'"));
    }

    private int run(String... args) {
        return ReplayCommand.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private static List<String> names(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
