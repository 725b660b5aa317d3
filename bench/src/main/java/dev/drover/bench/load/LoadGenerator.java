package dev.drover.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * Submits jobs through the public HTTP API as fast as the coordinators accept them and measures,
 * per job, the HTTP accept latency and the time from submit until the job was scheduled and
 * running. Client threads take the next job number from a shared counter and send job {@code n}
 * to coordinator {@code n mod coordinators}; a refused (503, 429) or failed request is retried on
 * the next coordinator with the same Idempotency-Key, so a retry never makes a second job.
 *
 * <p>Scheduled and running times come from each job's journaled history
 * ({@code GET /api/v1/jobs/{id}/events}), read once everything has run, so polling does not
 * shift them: JobScheduled is stamped by the coordinator, ReplicaStarted by the agent, when the
 * replica's process started. The client, coordinators and agents must share a clock (one
 * machine, or NTP).
 */
public final class LoadGenerator {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> RUNNING_OR_LATER = Set.of("RUNNING", "SUCCEEDED", "FAILED", "CANCELLING", "CANCELLED");
    private static final Set<String> FINAL_STATES = Set.of("SUCCEEDED", "FAILED", "CANCELLED");
    private static final Set<String> FINAL_EVENTS = Set.of("JobSucceeded", "JobFailed", "JobCancelled");
    private static final int MAX_ATTEMPTS = 5;

    private final LoadSettings settings;
    private final PrintStream log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1)
            .build();
    private final String runId = UUID.randomUUID().toString().substring(0, 8);

    public LoadGenerator(LoadSettings settings, PrintStream log) {
        List<String> problems = settings.problems();
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        this.settings = settings;
        this.log = log;
    }

    /** Runs the warm-up (if any), then the measured load, and returns the measured jobs. */
    public LoadResult run() throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(settings.clients(), r -> {
            Thread t = new Thread(r, "load-client");
            t.setDaemon(true);
            return t;
        });
        try {
            if (settings.warmup() > 0) {
                log.printf("load: warm-up, %d jobs ...%n", settings.warmup());
                List<JobTiming> warm = submitAll(pool, settings.warmup(), n -> "w" + n);
                awaitRunning(pool, warm);
            }
            log.printf("load: %d jobs (%d x %d GPU), %d clients, %d coordinator(s) ...%n", settings.jobs(), settings.replicas(),
                    settings.gpus(), settings.clients(), settings.coordinators().size());
            long started = System.nanoTime();
            Instant startedAt = Instant.now();
            List<JobTiming> jobs = submitAll(pool, settings.jobs(), n -> String.valueOf(n));
            long submitted = System.nanoTime();
            log.printf("load: %d accepted in %.2f s; waiting until they have run ...%n", jobs.stream().filter(JobTiming::accepted).count(),
                    (submitted - started) / 1e9);
            jobs = awaitRunning(pool, jobs);
            jobs = readHistories(pool, jobs);
            return new LoadResult(settings, startedAt, (submitted - started) / 1e9, jobs);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Throughput to the end: runs the warm-up (if any), then submits the measured jobs, waits until
     * every accepted one has finished (at most the running timeout) and reads each one's history,
     * so {@link LoadResult#allDoneSeconds()} is the first POST to the last final event.
     */
    public LoadResult runToCompletion() throws InterruptedException {
        ExecutorService pool = newPool();
        try {
            if (settings.warmup() > 0) {
                log.printf("load: warm-up, %d jobs ...%n", settings.warmup());
                long before = finalJobs();
                List<JobTiming> warm = submitAll(pool, settings.warmup(), n -> "w" + n);
                awaitFinished(pool, warm, before);
            }
            log.printf("load: %d jobs (%d x %d GPU), %d clients, to completion ...%n", settings.jobs(), settings.replicas(),
                    settings.gpus(), settings.clients());
            long before = finalJobs();
            long started = System.nanoTime();
            Instant startedAt = Instant.now();
            List<JobTiming> jobs = submitAll(pool, settings.jobs(), n -> String.valueOf(n));
            long submitted = System.nanoTime();
            log.printf("load: %d accepted in %.2f s; waiting until they have finished ...%n",
                    jobs.stream().filter(JobTiming::accepted).count(), (submitted - started) / 1e9);
            jobs = awaitFinished(pool, jobs, before);
            jobs = readHistories(pool, jobs);
            return new LoadResult(settings, startedAt, (submitted - started) / 1e9, jobs);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Latency on an idle cluster: {@code settings.jobs()} jobs one at a time, each after a random
     * pause of up to {@code maxPause} (so submits do not line up with the coordinator's timers) and
     * only once the previous one has finished. Each job's times come from its history, as in
     * {@link #run()}.
     */
    public LoadResult runSequential(Duration maxPause, long seed) throws InterruptedException {
        java.util.Random random = new java.util.Random(seed);
        ExecutorService pool = newPool();
        try {
            Instant startedAt = Instant.now();
            long started = System.nanoTime();
            List<JobTiming> jobs = new ArrayList<>();
            for (int n = 0; n < settings.jobs(); n++) {
                Thread.sleep((long) (random.nextDouble() * maxPause.toMillis()));
                JobTiming j = submit(n, "seq" + n);
                if (j.accepted()) {
                    j = awaitFinal(j, System.nanoTime() + settings.runningTimeout().toNanos());
                }
                jobs.add(j);
            }
            long ended = System.nanoTime();
            jobs = readHistories(pool, jobs);
            return new LoadResult(settings, startedAt, (ended - started) / 1e9, jobs);
        } finally {
            pool.shutdownNow();
        }
    }

    private ExecutorService newPool() {
        return Executors.newFixedThreadPool(settings.clients(), r -> {
            Thread t = new Thread(r, "load-client");
            t.setDaemon(true);
            return t;
        });
    }

    /** Polls one job (every 5 ms, a single client on an idle cluster) until its state is final or the deadline passes. */
    private JobTiming awaitFinal(JobTiming j, long deadline) throws InterruptedException {
        while (System.nanoTime() < deadline) {
            try {
                j = j.withState(state(j));
            } catch (IOException e) {
                // asked again below
            }
            if (FINAL_STATES.contains(j.state())) {
                return j;
            }
            Thread.sleep(5);
        }
        log.printf("load: job %s had not finished after %s%n", j.id(), settings.runningTimeout());
        return j;
    }

    /**
     * Waits until every accepted job has finished. The coordinator's {@code drover_jobs} gauge
     * ({@code GET /metrics}, one cheap request a second) says when as many jobs as were accepted
     * have reached a final state since the start; then (or when the metrics are not readable) each
     * job is confirmed with a GET, one pass a second over those not final yet. A poll of every job
     * every second would load the coordinator under test with thousands of requests a second.
     */
    private List<JobTiming> awaitFinished(ExecutorService pool, List<JobTiming> jobs, long baseline) throws InterruptedException {
        long deadline = System.nanoTime() + settings.runningTimeout().toNanos();
        long accepted = jobs.stream().filter(JobTiming::accepted).count();
        if (baseline >= 0) {
            while (System.nanoTime() < deadline) {
                long now = finalJobs();
                if (now < 0 || now - baseline >= accepted) {
                    break;
                }
                Thread.sleep(1000);
            }
        }
        JobTiming[] out = jobs.toArray(JobTiming[]::new);
        Set<Integer> waiting = new HashSet<>();
        for (int i = 0; i < out.length; i++) {
            if (out[i].accepted()) {
                waiting.add(i);
            }
        }
        while (!waiting.isEmpty() && System.nanoTime() < deadline) {
            long pass = System.nanoTime();
            Map<Integer, String> states = forEach(pool, List.copyOf(waiting), i -> state(out[i]));
            states.forEach((i, state) -> {
                out[i] = out[i].withState(state);
                if (FINAL_STATES.contains(state)) {
                    waiting.remove(i);
                }
            });
            long spent = (System.nanoTime() - pass) / 1_000_000;
            if (!waiting.isEmpty()) {
                Thread.sleep(Math.max(0, 1000 - spent));
            }
        }
        if (!waiting.isEmpty()) {
            log.printf("load: %d jobs had not finished after %s%n", waiting.size(), settings.runningTimeout());
        }
        return List.of(out);
    }

    /** Counts the jobs in a final state from the coordinators' {@code drover_jobs} gauge; -1 when /metrics cannot be read. */
    private long finalJobs() throws InterruptedException {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(settings.coordinators().get(0).resolve("/metrics"))
                    .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + settings.token()).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? finalJobs(r.body()) : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    /** The sum of {@code drover_jobs} over the final states and all queues in a Prometheus text page; -1 when it has none. */
    static long finalJobs(String prometheusText) {
        long sum = 0;
        boolean seen = false;
        for (String line : prometheusText.split("\n")) {
            if (!line.startsWith("drover_jobs{")) {
                continue;
            }
            int close = line.lastIndexOf('}');
            String labels = line.substring("drover_jobs{".length(), close);
            for (String s : FINAL_STATES) {
                if (labels.contains("state=\"" + s + "\"")) {
                    sum += (long) Double.parseDouble(line.substring(close + 1).trim());
                    seen = true;
                }
            }
        }
        return seen ? sum : -1;
    }

    // ---------------------------------------------------------------- submit

    private List<JobTiming> submitAll(ExecutorService pool, int count, IntFunction<String> keyOf) throws InterruptedException {
        JobTiming[] out = new JobTiming[count];
        AtomicInteger next = new AtomicInteger();
        List<Future<?>> clients = new ArrayList<>();
        for (int c = 0; c < settings.clients(); c++) {
            clients.add(pool.submit(() -> {
                for (int n = next.getAndIncrement(); n < count; n = next.getAndIncrement()) {
                    out[n] = submit(n, keyOf.apply(n));
                }
                return null;
            }));
        }
        join(clients);
        return List.of(out);
    }

    private JobTiming submit(int n, String key) throws InterruptedException {
        byte[] body = settings.spec(runId, n).getBytes(StandardCharsets.UTF_8);
        String idempotencyKey = "load-" + runId + "-" + key;
        Instant submittedAt = Instant.now();
        long started = System.nanoTime();
        String error = null;
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            int c = (n + attempt - 1) % settings.coordinators().size();
            HttpRequest request = HttpRequest.newBuilder(settings.coordinators().get(c).resolve("/api/v1/jobs"))
                    .timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + settings.token())
                    .header("Content-Type", "application/yaml")
                    .header("Idempotency-Key", idempotencyKey)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .build();
            long retryAfterMillis = 200;
            try {
                HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 201 || r.statusCode() == 200) {
                    long accepted = System.nanoTime();
                    String id = JSON.readTree(r.body()).get("id").asText();
                    return new JobTiming(n, id, c, submittedAt, accepted - started, attempt, null, null, null, "PENDING");
                }
                error = r.statusCode() + " " + r.body();
                if (r.statusCode() != 503 && r.statusCode() != 429 && r.statusCode() < 500) {
                    break;
                }
                retryAfterMillis = r.headers().firstValue("Retry-After").map(LoadGenerator::seconds).orElse(retryAfterMillis);
            } catch (IOException e) {
                error = e.toString();
            }
            Thread.sleep(Math.min(retryAfterMillis, 5000));
        }
        return new JobTiming(n, null, -1, submittedAt, System.nanoTime() - started, MAX_ATTEMPTS, error, null, null, null);
    }

    private static long seconds(String retryAfter) {
        try {
            return Long.parseLong(retryAfter.trim()) * 1000;
        } catch (NumberFormatException e) {
            return 1000;
        }
    }

    // ---------------------------------------------------------------- wait

    /** Looks at each job that has not run yet, one pass per second, until all have or the timeout passes. */
    private List<JobTiming> awaitRunning(ExecutorService pool, List<JobTiming> jobs) throws InterruptedException {
        JobTiming[] out = jobs.toArray(JobTiming[]::new);
        Set<Integer> waiting = new HashSet<>();
        for (int i = 0; i < out.length; i++) {
            if (out[i].accepted()) {
                waiting.add(i);
            }
        }
        long deadline = System.nanoTime() + settings.runningTimeout().toNanos();
        while (!waiting.isEmpty() && System.nanoTime() < deadline) {
            long pass = System.nanoTime();
            List<Integer> batch = List.copyOf(waiting);
            Map<Integer, String> states = forEach(pool, batch, i -> state(out[i]));
            states.forEach((i, state) -> {
                out[i] = out[i].withState(state);
                if (RUNNING_OR_LATER.contains(state)) {
                    waiting.remove(i);
                }
            });
            long spent = (System.nanoTime() - pass) / 1_000_000;
            if (!waiting.isEmpty()) {
                Thread.sleep(Math.max(0, 1000 - spent));
            }
        }
        if (!waiting.isEmpty()) {
            log.printf("load: %d jobs had not run after %s%n", waiting.size(), settings.runningTimeout());
        }
        return List.of(out);
    }

    private String state(JobTiming j) throws IOException, InterruptedException {
        JsonNode job = get(j.coordinator(), "/api/v1/jobs/" + j.id());
        return job == null ? j.state() : job.get("state").asText();
    }

    // ---------------------------------------------------------------- history

    private List<JobTiming> readHistories(ExecutorService pool, List<JobTiming> jobs) throws InterruptedException {
        JobTiming[] out = jobs.toArray(JobTiming[]::new);
        List<Integer> accepted = new ArrayList<>();
        for (int i = 0; i < out.length; i++) {
            if (out[i].accepted()) {
                accepted.add(i);
            }
        }
        Map<Integer, JsonNode> histories = forEach(pool, accepted, i -> get(out[i].coordinator(), "/api/v1/jobs/" + out[i].id() + "/events"));
        histories.forEach((i, h) -> {
            if (h != null) {
                out[i] = out[i].withHistory(firstScheduled(h), running(h, settings.replicas()), finished(h), out[i].state());
            }
        });
        return List.of(out);
    }

    /** The first JobScheduled event's time, or null. */
    static Instant firstScheduled(JsonNode history) {
        for (JsonNode e : history.get("events")) {
            if (e.get("type").asText().equals("JobScheduled")) {
                return Instant.parse(e.get("at").asText());
            }
        }
        return null;
    }

    /** When the job reached its final state (JobSucceeded, JobFailed or JobCancelled), or null. */
    static Instant finished(JsonNode history) {
        for (JsonNode e : history.get("events")) {
            if (FINAL_EVENTS.contains(e.get("type").asText())) {
                return Instant.parse(e.get("at").asText());
            }
        }
        return null;
    }

    /** When the first attempt whose replicas all started had its last one started (the job became RUNNING), or null. */
    static Instant running(JsonNode history, int replicas) {
        Map<Integer, Map<Integer, Instant>> startedByAttempt = new HashMap<>();
        for (JsonNode e : history.get("events")) {
            if (!e.get("type").asText().equals("ReplicaStarted")) {
                continue;
            }
            JsonNode d = e.get("details");
            startedByAttempt.computeIfAbsent(d.get("attempt").asInt(), a -> new HashMap<>())
                    .merge(d.get("rank").asInt(), Instant.parse(e.get("at").asText()), (x, y) -> x.isBefore(y) ? x : y);
        }
        Instant first = null;
        for (Map<Integer, Instant> ranks : startedByAttempt.values()) {
            if (ranks.size() < replicas) {
                continue;
            }
            Instant all = ranks.values().stream().max(Instant::compareTo).orElseThrow();
            if (first == null || all.isBefore(first)) {
                first = all;
            }
        }
        return first;
    }

    // ---------------------------------------------------------------- plumbing

    private JsonNode get(int coordinator, String path) throws IOException, InterruptedException {
        int c = Math.max(coordinator, 0);
        for (int attempt = 0; attempt < settings.coordinators().size(); attempt++) {
            URI base = settings.coordinators().get((c + attempt) % settings.coordinators().size());
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
                        .header("Authorization", "Bearer " + settings.token()).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return JSON.readTree(r.body());
                }
            } catch (IOException e) {
                // that coordinator is gone: ask the next one
            }
        }
        return null;
    }

    private interface Call<T> {
        T apply(int i) throws Exception;
    }

    /** {@code call} for each index, spread over the client threads; an index whose call failed is left out. */
    private <T> Map<Integer, T> forEach(ExecutorService pool, List<Integer> indices, Call<T> call) throws InterruptedException {
        Map<Integer, T> out = new java.util.concurrent.ConcurrentHashMap<>();
        AtomicInteger next = new AtomicInteger();
        List<Future<?>> workers = new ArrayList<>();
        for (int c = 0; c < settings.clients(); c++) {
            workers.add(pool.submit(() -> {
                for (int k = next.getAndIncrement(); k < indices.size(); k = next.getAndIncrement()) {
                    int i = indices.get(k);
                    try {
                        T v = call.apply(i);
                        if (v != null) {
                            out.put(i, v);
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return null;
                    } catch (Exception e) {
                        // left out: the caller treats it as not known yet
                    }
                }
                return null;
            }));
        }
        join(workers);
        return out;
    }

    private static void join(List<Future<?>> futures) throws InterruptedException {
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("a load client failed", e.getCause());
            }
        }
    }
}
