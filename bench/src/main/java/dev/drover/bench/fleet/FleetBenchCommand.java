package dev.drover.bench.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.drover.bench.local.DroverHome;
import dev.drover.bench.local.LocalDrover;
import dev.drover.bench.local.Teardown;
import dev.drover.bench.stats.Percentiles;
import dev.drover.protocol.spec.Durations;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code drover bench fleet}: one standalone coordinator (H2) with a large fleet of agents
 * ({@code drover agent fleet}, one JVM) and then with a small one, each from the built jars. For
 * each size: the coordinator's CPU and heap sampled from outside over a steady phase, then
 * submit -> running latency of jobs submitted one after another on the idle cluster and the
 * scheduler's cycle time from its {@code /metrics} histogram; one table compares the two sizes.
 */
@Command(name = "bench fleet", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Coordinator CPU and heap with a large agent fleet over time, and idle submit->running latency and "
                + "scheduler cycle time with the large vs a small fleet.")
public final class FleetBenchCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CYCLE = "drover_scheduler_cycle_duration_seconds";
    /** The coordinator's metrics snapshot interval (drover.metrics.interval) plus a margin. */
    private static final Duration METRICS_SETTLE = Duration.ofSeconds(6);

    @Option(names = "--agents", defaultValue = "1000", description = "agents of the large fleet (default: ${DEFAULT-VALUE})")
    int agents;

    @Option(names = "--baseline-agents", defaultValue = "16", description = "agents of the small fleet (default: ${DEFAULT-VALUE})")
    int baselineAgents;

    @Option(names = "--gpus-per-agent", defaultValue = "8", description = "simulated GPUs per agent (default: ${DEFAULT-VALUE})")
    int gpus;

    @Option(names = "--duration", defaultValue = "10m", description = "steady phase with the large fleet (default: ${DEFAULT-VALUE})")
    String duration;

    @Option(names = "--baseline-duration", defaultValue = "2m", description = "steady phase with the small fleet (default: ${DEFAULT-VALUE})")
    String baselineDuration;

    @Option(names = "--sample-every", defaultValue = "10s", description = "CPU and heap sampling interval (default: ${DEFAULT-VALUE})")
    String sampleEvery;

    @Option(names = "--latency-jobs", defaultValue = "20", description = "jobs submitted one after another per fleet (default: ${DEFAULT-VALUE})")
    int latencyJobs;

    @Option(names = "--fleet-java-opts", defaultValue = "-Xms256m -Xmx2g -XX:+UseSerialGC",
            description = "JVM options of the fleet process (default: ${DEFAULT-VALUE}); the coordinator's are DROVER_JAVA_OPTS or the launcher's")
    String fleetJavaOpts;

    @Option(names = "--stagger", defaultValue = "20ms", description = "pause between two fleet agents' starts (default: ${DEFAULT-VALUE})")
    String stagger;

    @Option(names = "--ready-timeout", defaultValue = "10m", description = "how long the fleet may take until all its nodes are Ready (default: ${DEFAULT-VALUE})")
    String readyTimeout;

    @Option(names = "--work-dir", description = "data and logs (default: a temporary directory, deleted unless a run failed)")
    Path workDir;

    @Option(names = "--keep", description = "keep the work directory")
    boolean keep;

    private final PrintStream out;
    private final PrintStream log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1)
            .build();

    public FleetBenchCommand() {
        this(System.out, System.err);
    }

    FleetBenchCommand(PrintStream out, PrintStream log) {
        this.out = out;
        this.log = log;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new FleetBenchCommand()).execute(args));
    }

    /** What one fleet size measured. */
    record SizeResult(int agents, double upSeconds, int minReady, int readyAfterSteady, int readyAtEnd, List<JvmSampler.Sample> coordinator,
                      List<JvmSampler.Sample> fleet, List<IdleLatency.Timing> latency, PromHistogram cycles, LinkChurn churn,
                      List<Double> load) {}

    /**
     * How often links were opened and lost over the whole run of one fleet size, counted in the logs.
     *
     * @param accepted links the coordinator accepted ("agent X connected from"): the first of each agent included
     * @param lost links the fleet's agents gave up or lost ("Link to coordinator ... lost")
     * @param notReady nodes the coordinator declared NotReady ("is NotReady")
     */
    record LinkChurn(long accepted, long lost, long notReady) {}

    /** What is wrong with the options; empty when they are usable. */
    List<String> problems() {
        List<String> p = new ArrayList<>();
        if (agents < 1 || agents > 10_000) {
            p.add("--agents must be from 1 to 10000, got " + agents);
        }
        if (baselineAgents < 1 || baselineAgents > 10_000) {
            p.add("--baseline-agents must be from 1 to 10000, got " + baselineAgents);
        }
        if (gpus < 1 || gpus > 64) {
            p.add("--gpus-per-agent must be from 1 to 64, got " + gpus);
        }
        if (latencyJobs < 1 || latencyJobs > 1000) {
            p.add("--latency-jobs must be from 1 to 1000, got " + latencyJobs);
        }
        Duration every = duration(p, "--sample-every", sampleEvery, Duration.ofSeconds(1), Duration.ofMinutes(5));
        if (every != null) {
            duration(p, "--duration", duration, every.multipliedBy(3), Duration.ofHours(24));
            duration(p, "--baseline-duration", baselineDuration, every.multipliedBy(3), Duration.ofHours(24));
        }
        duration(p, "--ready-timeout", readyTimeout, Duration.ofSeconds(10), Duration.ofHours(1));
        duration(p, "--stagger", stagger, Duration.ZERO, Duration.ofSeconds(10));
        if (fleetJavaOpts.isBlank()) {
            p.add("--fleet-java-opts must not be empty");
        }
        return p;
    }

    private static Duration duration(List<String> problems, String option, String value, Duration min, Duration max) {
        Duration d;
        try {
            d = Durations.parse(value);
        } catch (IllegalArgumentException e) {
            problems.add("invalid " + option + " '" + value + "': " + e.getMessage());
            return null;
        }
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            problems.add(option + " must be from " + Durations.format(min) + " to " + Durations.format(max) + ", got '" + value + "'");
            return null;
        }
        return d;
    }

    @Override
    public Integer call() throws Exception {
        List<String> problems = problems();
        if (!problems.isEmpty()) {
            problems.forEach(p -> log.println("drover bench fleet: " + p));
            return 2;
        }
        DroverHome home = DroverHome.locate();
        boolean tempDir = workDir == null;
        Path dir = tempDir ? Files.createTempDirectory("drover-bench-fleet-") : workDir.toAbsolutePath();
        Files.createDirectories(dir);
        boolean failed = true;
        Instant started = Instant.now();
        String loadBefore = loadAverage();
        try (Teardown teardown = new Teardown()) {
            log.printf("drover bench fleet: work dir %s; load average before: %s%n", dir, loadBefore);
            SizeResult big = size(home, dir, teardown, agents, Durations.parse(duration));
            SizeResult small = size(home, dir, teardown, baselineAgents, Durations.parse(baselineDuration));
            out.printf(Locale.ROOT, "drover bench fleet: %d vs %d agents x %d simulated GPUs, one standalone coordinator (H2), "
                            + "heartbeat 1s, telemetry 5s; steady %s vs %s, sampled every %s; %d idle jobs (1 x 1 GPU, [true]) each; "
                            + "%s, %d cores; started %s, took %d s; load average before %s, after %s%n",
                    agents, baselineAgents, gpus, duration, baselineDuration, sampleEvery, latencyJobs, Runtime.version(),
                    Runtime.getRuntime().availableProcessors(), started, Duration.between(started, Instant.now()).toSeconds(), loadBefore,
                    loadAverage());
            out.print(table(big, small));
            failed = big.readyAtEnd() < agents || small.readyAtEnd() < baselineAgents
                    || big.latency().stream().anyMatch(l -> Double.isNaN(l.runningMillis()));
            return failed ? 1 : 0;
        } finally {
            if (tempDir && !keep && !failed) {
                deleteTree(dir);
            } else {
                log.println("drover bench fleet: logs and data kept in " + dir);
            }
        }
    }

    private SizeResult size(DroverHome home, Path root, Teardown teardown, int n, Duration steady) throws Exception {
        log.printf("drover bench fleet: %d agents: starting the coordinator ...%n", n);
        LocalDrover d = teardown.add(LocalDrover.standalone(home, root.resolve("agents-" + n)));
        try {
            d.startCoordinators();
            long t0 = System.nanoTime();
            Process fleet = d.startFleet(n, gpus, "fleet-", List.of(fleetJavaOpts.trim().split("\\s+")), "--stagger", stagger);
            double up;
            try {
                d.awaitNodesReady(n, Durations.parse(readyTimeout));
                up = (System.nanoTime() - t0) / 1e9;
                log.printf(Locale.ROOT, "drover bench fleet: %d nodes Ready %.1f s after the fleet started; steady phase of %s ...%n", n, up,
                        Durations.format(steady));
            } catch (IllegalStateException e) {
                // not holding them all is a result too: the steady phase records how many stay Ready
                up = Double.NaN;
                log.printf("drover bench fleet: %s (%d Ready); steady phase of %s anyway ...%n", e.getMessage(), readyNodes(d),
                        Durations.format(steady));
            }
            JvmSampler coordinator = new JvmSampler(d.coordinatorPid(0));
            JvmSampler fleetJvm = new JvmSampler(fleet.pid());
            List<JvmSampler.Sample> cs = new ArrayList<>();
            List<JvmSampler.Sample> fs = new ArrayList<>();
            List<Integer> ready = new ArrayList<>();
            List<Double> load = new ArrayList<>();
            long every = Durations.parse(sampleEvery).toMillis();
            JvmSampler.Reading c0 = coordinator.read();
            JvmSampler.Reading f0 = fleetJvm.read();
            JvmSampler.Reading cPrev = c0;
            JvmSampler.Reading fPrev = f0;
            long end = System.nanoTime() + steady.toNanos();
            while (System.nanoTime() < end) {
                Thread.sleep(every);
                if (!fleet.isAlive()) {
                    throw new IllegalStateException("the fleet exited:\n" + d.tail("fleet.log"));
                }
                JvmSampler.Reading c = coordinator.read();
                JvmSampler.Reading f = fleetJvm.read();
                ready.add(readyNodes(d));
                load.add(loadAverage1());
                cs.add(JvmSampler.between(c0, cPrev, c));
                fs.add(JvmSampler.between(f0, fPrev, f));
                cPrev = c;
                fPrev = f;
                JvmSampler.Sample last = cs.get(cs.size() - 1);
                log.printf(Locale.ROOT, "  %5.0f s  %4d Ready  coordinator CPU %5.1f %%  heap %6.1f MiB (old %6.1f)   fleet CPU %5.1f %%  heap %6.1f MiB"
                                + "   load %.2f%n",
                        last.atSeconds(), ready.get(ready.size() - 1), last.cpuPercent(), mib(last.heapUsedBytes()), mib(last.oldUsedBytes()),
                        fs.get(fs.size() - 1).cpuPercent(), mib(fs.get(fs.size() - 1).heapUsedBytes()), load.get(load.size() - 1));
            }
            int readyAfterSteady = readyNodes(d);
            log.printf("drover bench fleet: %d/%d nodes Ready after the steady phase; %d idle jobs ...%n", readyAfterSteady, n, latencyJobs);
            PromHistogram before = PromHistogram.parse(metrics(d), CYCLE);
            List<IdleLatency.Timing> latency = new IdleLatency(d.urls().get(0), d.adminToken(), d.marker())
                    .measure(latencyJobs, Duration.ofSeconds(60));
            Thread.sleep(METRICS_SETTLE.toMillis());
            PromHistogram cycles = PromHistogram.parse(metrics(d), CYCLE).minus(before);
            int readyAtEnd = readyNodes(d);
            LinkChurn churn = new LinkChurn(
                    count(d.dir().resolve("logs/coordinator-0.log"), " connected from "),
                    count(d.dir().resolve("fleet/fleet.log"), "Link to coordinator "),
                    count(d.dir().resolve("logs/coordinator-0.log"), " is NotReady: "));
            log.printf("drover bench fleet: %d agents: %d links accepted, %d lost, %d NotReady transitions%n", n, churn.accepted(),
                    churn.lost(), churn.notReady());
            return new SizeResult(n, up, ready.stream().mapToInt(Integer::intValue).min().orElse(0), readyAfterSteady, readyAtEnd, cs, fs,
                    latency, cycles, churn, load);
        } finally {
            teardown.closeNow(d);
        }
    }

    /** Lines of {@code file} that contain {@code text}; 0 when there is no such file. */
    static long count(Path file, String text) throws IOException {
        if (!Files.exists(file)) {
            return 0;
        }
        try (Stream<String> lines = Files.lines(file, java.nio.charset.StandardCharsets.UTF_8)) {
            return lines.filter(l -> l.contains(text)).count();
        } catch (java.io.UncheckedIOException e) {
            // a partial multi-byte character at the end of a log being written: count as far as it reads
            return -1;
        }
    }

    private String metrics(LocalDrover d) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(d.urls().get(0).resolve("/metrics")).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + d.adminToken()).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET /metrics answered " + r.statusCode());
        }
        return r.body();
    }

    private int readyNodes(LocalDrover d) throws IOException, InterruptedException {
        URI nodes = d.urls().get(0).resolve("/api/v1/nodes");
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(nodes).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + d.adminToken()).GET().build(), HttpResponse.BodyHandlers.ofString());
        int ready = 0;
        if (r.statusCode() == 200) {
            for (JsonNode node : JSON.readTree(r.body()).path("items")) {
                if ("Ready".equals(node.path("status").asText())) {
                    ready++;
                }
            }
        }
        return ready;
    }

    // ---------------------------------------------------------------- the table

    String table(SizeResult big, SizeResult small) {
        StringBuilder t = new StringBuilder();
        t.append(String.format(Locale.ROOT, "| | %d agents | %d agents | ratio |%n| --- | ---: | ---: | ---: |%n", big.agents(), small.agents()));
        row(t, "all nodes Ready after (s)", big.upSeconds(), small.upSeconds(), "%.1f");
        t.append(String.format(Locale.ROOT, "| nodes Ready: fewest in a sample / after the steady phase / at the end | %d / %d / %d | %d / %d / %d | |%n",
                big.minReady(), big.readyAfterSteady(), big.readyAtEnd(), small.minReady(), small.readyAfterSteady(), small.readyAtEnd()));
        t.append(String.format(Locale.ROOT, "| links accepted / lost / NotReady transitions, whole run (logs) | %d / %d / %d | %d / %d / %d | |%n",
                big.churn().accepted(), big.churn().lost(), big.churn().notReady(), small.churn().accepted(), small.churn().lost(),
                small.churn().notReady()));
        row(t, "load average (1 min), mean of the steady samples", meanOf(big.load()), meanOf(small.load()), "%.2f");
        row(t, "coordinator CPU, first third (% of one core)", third(big.coordinator(), 0, JvmSampler.Sample::cpuPercent),
                third(small.coordinator(), 0, JvmSampler.Sample::cpuPercent), "%.1f");
        row(t, "coordinator CPU, last third (% of one core)", third(big.coordinator(), 2, JvmSampler.Sample::cpuPercent),
                third(small.coordinator(), 2, JvmSampler.Sample::cpuPercent), "%.1f");
        row(t, "coordinator heap used, first third (MiB, mean)", third(big.coordinator(), 0, s -> mib(s.heapUsedBytes())),
                third(small.coordinator(), 0, s -> mib(s.heapUsedBytes())), "%.0f");
        row(t, "coordinator heap used, last third (MiB, mean)", third(big.coordinator(), 2, s -> mib(s.heapUsedBytes())),
                third(small.coordinator(), 2, s -> mib(s.heapUsedBytes())), "%.0f");
        row(t, "coordinator old gen, first third (MiB, max)", thirdMax(big.coordinator(), 0), thirdMax(small.coordinator(), 0), "%.0f");
        row(t, "coordinator old gen, last third (MiB, max)", thirdMax(big.coordinator(), 2), thirdMax(small.coordinator(), 2), "%.0f");
        row(t, "fleet JVM CPU, whole phase (% of one core)", mean(big.fleet(), JvmSampler.Sample::cpuPercent),
                mean(small.fleet(), JvmSampler.Sample::cpuPercent), "%.1f");
        row(t, "fleet JVM heap used, last third (MiB, mean)", third(big.fleet(), 2, s -> mib(s.heapUsedBytes())),
                third(small.fleet(), 2, s -> mib(s.heapUsedBytes())), "%.0f");
        Percentiles bigRun = ran(big, IdleLatency.Timing::runningMillis);
        Percentiles smallRun = ran(small, IdleLatency.Timing::runningMillis);
        Percentiles bigSched = ran(big, IdleLatency.Timing::scheduledMillis);
        Percentiles smallSched = ran(small, IdleLatency.Timing::scheduledMillis);
        t.append(String.format(Locale.ROOT, "| idle jobs that ran | %d / %d | %d / %d | |%n", bigRun.count(), big.latency().size(),
                smallRun.count(), small.latency().size()));
        row(t, "submit -> scheduled p50 (ms)", bigSched.p50(), smallSched.p50(), "%.1f");
        row(t, "submit -> running p50 (ms)", bigRun.p50(), smallRun.p50(), "%.1f");
        row(t, "submit -> running p90 (ms)", bigRun.percentile(90), smallRun.percentile(90), "%.1f");
        row(t, "submit -> running max (ms)", bigRun.max(), smallRun.max(), "%.1f");
        t.append(String.format(Locale.ROOT, "| scheduler cycles measured | %.0f | %.0f | |%n", big.cycles().count(), small.cycles().count()));
        row(t, "scheduler cycle p50 (ms, histogram)", 1000 * big.cycles().quantile(0.5), 1000 * small.cycles().quantile(0.5), "%.2f");
        row(t, "scheduler cycle p99 (ms, histogram)", 1000 * big.cycles().quantile(0.99), 1000 * small.cycles().quantile(0.99), "%.2f");
        row(t, "scheduler cycle mean (ms)", 1000 * big.cycles().mean(), 1000 * small.cycles().mean(), "%.2f");
        return t.toString();
    }

    private static Percentiles ran(SizeResult r, ToDoubleFunction<IdleLatency.Timing> value) {
        return Percentiles.of(r.latency().stream().mapToDouble(value).filter(v -> !Double.isNaN(v)).toArray());
    }

    private static void row(StringBuilder t, String name, double big, double small, String format) {
        String ratio = Double.isNaN(big) || Double.isNaN(small) || small == 0 ? "" : String.format(Locale.ROOT, "%.2fx", big / small);
        t.append(String.format(Locale.ROOT, "| %s | " + format + " | " + format + " | %s |%n", name, big, small, ratio)
                .replace("NaN", "-"));
    }

    /** The mean of {@code value} over the first (0), middle (1) or last (2) third of the samples. */
    static double third(List<JvmSampler.Sample> samples, int which, ToDoubleFunction<JvmSampler.Sample> value) {
        return mean(thirdOf(samples, which), value);
    }

    private static double thirdMax(List<JvmSampler.Sample> samples, int which) {
        return thirdOf(samples, which).stream().mapToDouble(s -> mib(s.oldUsedBytes())).max().orElse(Double.NaN);
    }

    static List<JvmSampler.Sample> thirdOf(List<JvmSampler.Sample> samples, int which) {
        int n = samples.size();
        int from = n * which / 3;
        int to = n * (which + 1) / 3;
        return samples.subList(from, Math.max(to, Math.min(n, from + 1)));
    }

    private static double mean(List<JvmSampler.Sample> samples, ToDoubleFunction<JvmSampler.Sample> value) {
        return samples.stream().mapToDouble(value).average().orElse(Double.NaN);
    }

    private static double meanOf(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    private static double loadAverage1() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    private static double mib(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException | RuntimeException e) {
            System.err.println("drover bench fleet: could not delete " + dir + ": " + e);
        }
    }
}
