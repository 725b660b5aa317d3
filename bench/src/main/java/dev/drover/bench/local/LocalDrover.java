package dev.drover.bench.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A Drover deployment on loopback for a benchmark, run from the built jars as real processes: one
 * standalone coordinator (H2 under the run's directory) or several coordinators of one Pekko
 * cluster on a Cassandra keyspace, and node agents with simulated GPUs that know every
 * coordinator. {@link #close()} stops everything it started, agents first, then any replica
 * process whose environment carries {@link #marker()}.
 */
public final class LocalDrover implements AutoCloseable {
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DroverHome home;
    private final Path dir;
    private final String cassandra;
    private final String keyspace;
    private final int[] httpPorts;
    private final int[] clusterPorts;
    private final int[] managementPorts;
    private final String marker = "bench-" + UUID.randomUUID();
    private final List<String> jvmOptions;
    private final List<String> agentJvmOptions;
    private final List<Process> coordinators = new ArrayList<>();
    private final List<Process> agents = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    private LocalDrover(DroverHome home, Path dir, int count, String cassandra, String keyspace) throws IOException {
        this.home = home;
        this.dir = dir;
        this.cassandra = cassandra;
        this.keyspace = keyspace;
        this.httpPorts = new int[count];
        this.clusterPorts = new int[count];
        this.managementPorts = new int[count];
        for (int i = 0; i < count; i++) {
            httpPorts[i] = FreePorts.next();
            clusterPorts[i] = FreePorts.next();
            managementPorts[i] = FreePorts.next();
        }
        // The launcher's own JVM options for coordinators and agents (./drover up), or DROVER_JAVA_OPTS; agents run
        // C1-compiled code only, as the launcher starts them (DROVER_JAVA_OPTS may say otherwise: it comes after).
        String opts = System.getenv().getOrDefault("DROVER_JAVA_OPTS", "-Xms64m -Xmx1g -XX:+UseSerialGC");
        this.jvmOptions = List.of(opts.trim().split("\\s+"));
        List<String> agentOpts = new ArrayList<>(List.of("-XX:TieredStopAtLevel=1"));
        agentOpts.addAll(jvmOptions);
        this.agentJvmOptions = List.copyOf(agentOpts);
        Files.createDirectories(dir.resolve("logs"));
    }

    /** One coordinator with an H2 journal under {@code dir}. */
    public static LocalDrover standalone(DroverHome home, Path dir) throws IOException {
        return new LocalDrover(home, dir, 1, null, null);
    }

    /** {@code n} coordinators of one cluster on a fresh keyspace of the Cassandra at {@code contactPoint}. */
    public static LocalDrover cluster(DroverHome home, Path dir, int n, String contactPoint) throws IOException {
        String keyspace = "bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        return new LocalDrover(home, dir, n, contactPoint, keyspace);
    }

    public String marker() {
        return marker;
    }

    public Path dir() {
        return dir;
    }

    public List<URI> urls() {
        List<URI> out = new ArrayList<>();
        for (int port : httpPorts) {
            out.add(URI.create("http://127.0.0.1:" + port));
        }
        return out;
    }

    private Path dataDir() {
        return dir.resolve("data");
    }

    /** The first admin token the first coordinator wrote. */
    public String adminToken() throws IOException {
        for (JsonNode t : JSON.readTree(dataDir().resolve("tokens.json").toFile()).path("tokens")) {
            if ("admin".equals(t.path("role").asText())) {
                return t.path("token").asText();
            }
        }
        throw new IOException("no admin token in " + dataDir().resolve("tokens.json"));
    }

    /** Starts every coordinator, the first first (it forms the cluster and writes the tokens), each until its API is ready. */
    public void startCoordinators() throws IOException, InterruptedException {
        for (int i = 0; i < httpPorts.length; i++) {
            List<String> cmd = new ArrayList<>(List.of(JAVA));
            cmd.addAll(jvmOptions);
            if (keyspace != null) {
                cmd.add("-Ddrover.cassandra.keyspace=" + keyspace);
            }
            cmd.addAll(List.of("-cp", home.coordinatorClasspath(), "dev.drover.coordinator.Main", "--port", String.valueOf(httpPorts[i]),
                    "--data-dir", dataDir().toString()));
            if (cassandra != null) {
                List<String> seeds = new ArrayList<>();
                for (int c : clusterPorts) {
                    seeds.add("127.0.0.1:" + c);
                }
                cmd.addAll(List.of("--persistence", "cassandra", "--cassandra", cassandra, "--cluster-port", String.valueOf(clusterPorts[i]),
                        "--seed-nodes", String.join(",", seeds), "--management-port", String.valueOf(managementPorts[i])));
            }
            String log = "coordinator-" + i + ".log";
            Process p = start(cmd, log);
            coordinators.add(p);
            URI ready = urls().get(i).resolve("/readyz");
            await(Duration.ofSeconds(180), log.replace(".log", "") + " ready at " + ready, () -> {
                if (!p.isAlive()) {
                    throw new IllegalStateException(log.replace(".log", "") + " exited:\n" + tail(log));
                }
                return status(ready) == 200;
            });
        }
    }

    /** Starts {@code n} agents named bench-1.. with {@code gpus} simulated GPUs each; agent k tries coordinator k first. */
    public void startAgents(int n, int gpus) throws IOException {
        for (int k = 0; k < n; k++) {
            List<String> order = new ArrayList<>();
            for (int i = 0; i < httpPorts.length; i++) {
                order.add(urls().get((k + i) % httpPorts.length).toString());
            }
            String name = "bench-" + (k + 1);
            List<String> cmd = new ArrayList<>(List.of(JAVA));
            cmd.addAll(agentJvmOptions);
            cmd.addAll(List.of("-jar", home.agentJar().toString(), "--name", name, "--coordinator", String.join(",", order),
                    "--join-token-file", dataDir().resolve("join-token").toString(), "--work-dir", dir.resolve("agents/" + name).toString(),
                    "--simulate-gpus", String.valueOf(gpus), "--address", "127.0.0.1", "--cpus", "64", "--memory", "512Gi"));
            agents.add(start(cmd, "agent-" + name + ".log"));
        }
    }

    /**
     * Starts one {@code drover-node-agent fleet} process: {@code n} agents named {@code <prefix>1..} with {@code gpus}
     * simulated GPUs each, in one JVM run with {@code javaOptions}, connected to the first coordinator.
     */
    public Process startFleet(int n, int gpus, String prefix, List<String> javaOptions, String... fleetOptions) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(JAVA));
        cmd.addAll(javaOptions);
        cmd.addAll(List.of("-jar", home.agentJar().toString(), "fleet", "--count", String.valueOf(n), "--gpus", String.valueOf(gpus),
                "--name-prefix", prefix, "--coordinator", urls().get(0).toString(), "--join-token-file",
                dataDir().resolve("join-token").toString(), "--work-dir", dir.resolve("fleet").toString()));
        cmd.addAll(List.of(fleetOptions));
        Process p = start(cmd, "fleet.log");
        agents.add(p);
        return p;
    }

    /** The process id of coordinator {@code i} (started). */
    public long coordinatorPid(int i) {
        return coordinators.get(i).pid();
    }

    /** Waits until the first coordinator lists {@code n} Ready nodes. */
    public void awaitNodesReady(int n) throws IOException, InterruptedException {
        awaitNodesReady(n, Duration.ofSeconds(120));
    }

    /** Waits up to {@code timeout} until the first coordinator lists {@code n} Ready nodes. */
    public void awaitNodesReady(int n, Duration timeout) throws IOException, InterruptedException {
        String token = adminToken();
        URI nodes = urls().get(0).resolve("/api/v1/nodes");
        // the node list of a large fleet is large: asking for it 4 times a second would load the coordinator being measured
        await(timeout, Duration.ofMillis(Math.max(250, n)), n + " nodes ready", () -> {
            for (Process a : agents) {
                if (!a.isAlive()) {
                    throw new IllegalStateException("an agent exited; see " + dir.resolve("logs"));
                }
            }
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(nodes).header("Authorization", "Bearer " + token).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return false;
            }
            int ready = 0;
            for (JsonNode node : JSON.readTree(r.body()).path("items")) {
                if ("Ready".equals(node.path("status").asText())) {
                    ready++;
                }
            }
            return ready >= n;
        });
    }

    private Process start(List<String> cmd, String log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("logs").resolve(log).toFile()));
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        return pb.start();
    }

    private int status(URI uri) {
        try {
            return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** The last lines of one of this deployment's logs. */
    public String tail(String log) {
        try {
            String s = Files.readString(dir.resolve("logs").resolve(log), StandardCharsets.UTF_8);
            return s.length() > 3000 ? s.substring(s.length() - 3000) : s;
        } catch (IOException e) {
            return "(no log " + log + ")";
        }
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private static void await(Duration timeout, String what, Check check) throws InterruptedException {
        await(timeout, Duration.ofMillis(250), what, check);
    }

    private static void await(Duration timeout, Duration poll, String what, Check check) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                if (check.ok()) {
                    return;
                }
            } catch (IllegalStateException e) {
                throw e;
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                // not yet
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            Thread.sleep(poll.toMillis());
        }
    }

    /**
     * Stops the agents (SIGTERM: they stop their replicas), then the coordinators (SIGTERM: they leave
     * the cluster), each with a grace period before SIGKILL; then kills anything left: descendants of
     * what was started and processes carrying this deployment's marker.
     */
    @Override
    public void close() {
        stop(agents, 15);
        List<Process> reversed = new ArrayList<>(coordinators);
        java.util.Collections.reverse(reversed);
        stop(reversed, 30);
        for (long pid : markedProcesses()) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    private static void stop(List<Process> processes, int graceSeconds) {
        List<ProcessHandle> descendants = new ArrayList<>();
        for (Process p : processes) {
            p.descendants().forEach(descendants::add);
            p.destroy();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(graceSeconds);
        for (Process p : processes) {
            try {
                if (!p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        descendants.forEach(ProcessHandle::destroyForcibly);
    }

    /** Live processes whose environment holds {@code BENCH_RUN_MARKER=<marker>} (replicas of this deployment's jobs). */
    public List<Long> markedProcesses() {
        List<Long> pids = new ArrayList<>();
        byte[] needle = ("BENCH_RUN_MARKER=" + marker).getBytes(StandardCharsets.UTF_8);
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    if (contains(Files.readAllBytes(p.resolve("environ")), needle)) {
                        pids.add(Long.parseLong(name));
                    }
                } catch (IOException | RuntimeException gone) {
                    // ended while we looked, or not ours to read
                }
            }
        } catch (IOException e) {
            return pids;
        }
        return pids;
    }

    private static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            if (i > 0 && hay[i - 1] != 0) {
                continue;
            }
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
