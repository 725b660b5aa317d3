package dev.drover.bench.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Submit -> running latency on an idle cluster: jobs of one replica x one GPU running {@code true},
 * submitted one after another, each once the one before has run. Running is the job's
 * ReplicaStarted event (stamped by the agent when the process started) and scheduled its
 * JobScheduled event (stamped by the coordinator), both read from the journaled history, against
 * the client's clock just before the POST (one machine, one clock).
 */
final class IdleLatency {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> RUNNING_OR_LATER = Set.of("RUNNING", "SUCCEEDED", "FAILED", "CANCELLING", "CANCELLED");

    /** One job: submit -> scheduled and submit -> running, in milliseconds. */
    record Timing(String id, double scheduledMillis, double runningMillis) {}

    private final URI base;
    private final String token;
    private final String marker;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1)
            .build();
    private final String run = UUID.randomUUID().toString().substring(0, 8);

    IdleLatency(URI base, String token, String marker) {
        this.base = base;
        this.token = token;
        this.marker = marker;
    }

    List<Timing> measure(int jobs, Duration eachTimeout) throws IOException, InterruptedException {
        List<Timing> out = new ArrayList<>();
        for (int n = 0; n < jobs; n++) {
            try {
                out.add(one(n, eachTimeout));
            } catch (IOException e) {
                // a job that never ran (or a refused submit) is counted, not timed
                System.err.println("drover bench fleet: " + e.getMessage());
                out.add(new Timing(null, Double.NaN, Double.NaN));
            }
        }
        return out;
    }

    private Timing one(int n, Duration timeout) throws IOException, InterruptedException {
        String spec = "name: idle-" + run + "-" + n + "\nresources:\n  gpus: 1\n  cpus: 1\n  memory: 64Mi\n"
                + "env:\n  BENCH_RUN_MARKER: \"" + marker + "\"\ncommand: [\"true\"]\n";
        Instant submitted = Instant.now();
        HttpResponse<String> r = http.send(request("/api/v1/jobs").header("Content-Type", "application/yaml")
                .header("Idempotency-Key", "idle-" + run + "-" + n)
                .POST(HttpRequest.BodyPublishers.ofString(spec, StandardCharsets.UTF_8)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201 && r.statusCode() != 200) {
            throw new IOException("submit refused: " + r.statusCode() + " " + r.body());
        }
        String id = JSON.readTree(r.body()).get("id").asText();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonNode job = get("/api/v1/jobs/" + id);
            if (job != null && RUNNING_OR_LATER.contains(job.path("state").asText())) {
                break;
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("job " + id + " had not run after " + timeout.toSeconds() + " s: " + job);
            }
            Thread.sleep(20);
        }
        JsonNode history = get("/api/v1/jobs/" + id + "/events");
        Instant scheduled = null;
        Instant running = null;
        for (JsonNode e : history == null ? JSON.createArrayNode() : history.path("events")) {
            String type = e.path("type").asText();
            if (type.equals("JobScheduled") && scheduled == null) {
                scheduled = Instant.parse(e.get("at").asText());
            } else if (type.equals("ReplicaStarted") && running == null) {
                running = Instant.parse(e.get("at").asText());
            }
        }
        if (scheduled == null || running == null) {
            throw new IOException("job " + id + " has no JobScheduled or ReplicaStarted event: " + history);
        }
        return new Timing(id, millis(submitted, scheduled), millis(submitted, running));
    }

    private static double millis(Instant from, Instant to) {
        return Duration.between(from, to).toNanos() / 1e6;
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token);
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
    }
}
