package dev.drover.bench.slurm;

import dev.drover.bench.load.LoadGenerator;
import dev.drover.bench.load.LoadResult;
import dev.drover.bench.load.LoadSettings;
import dev.drover.bench.local.DroverHome;
import dev.drover.bench.local.LocalDrover;
import dev.drover.bench.local.Teardown;
import dev.drover.bench.stats.Percentiles;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code drover bench slurm}: the same three workloads on a loopback Slurm 22.05 (each profile in
 * turn, by the scripts in {@code shared/bench/slurm}) and then on a standalone Drover (H2, agents
 * with simulated GPUs as separate processes), printed side by side with ratios against Slurm's
 * best. Everything it starts is stopped at the end, on failure and on Ctrl-C too.
 */
@Command(name = "bench slurm", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Drover vs Slurm on this machine: 2,000 trivial jobs (submit/s, first submit -> all done), 500 gangs of "
                + "2 x 4 GPUs (first submit -> all done), idle-cluster submit -> running latency (p50/p90/max over 20 jobs).")
public final class SlurmCompareCommand implements Callable<Integer> {

    @Option(names = "--slurm-profiles", defaultValue = "default,tunedB", split = ",",
            description = "Slurm profiles to run, from default, tuned, tunedB (default: ${DEFAULT-VALUE}); 'none' runs Drover only")
    List<String> profiles;

    @Option(names = "--slurm-scripts", paramLabel = "DIR", description = "setup.sh, bench.sh, stop.sh (default: ../shared/bench/slurm beside the checkout)")
    Path slurmScripts;

    @Option(names = "--slurm-base", paramLabel = "DIR", defaultValue = "/tmp/slurmbench",
            description = "Slurm's state, config and logs, wiped by setup.sh (default: ${DEFAULT-VALUE})")
    Path slurmBase;

    @Option(names = "--slurm-tests", defaultValue = "submit par array gang gangalloc lat",
            description = "bench.sh TESTS (default: ${DEFAULT-VALUE})")
    String slurmTests;

    @Option(names = "--jobs", defaultValue = "2000", description = "trivial jobs of workload 1 (default: ${DEFAULT-VALUE})")
    int jobs;

    @Option(names = "--gangs", defaultValue = "500", description = "gang jobs of workload 2 (default: ${DEFAULT-VALUE})")
    int gangs;

    @Option(names = "--latency-samples", defaultValue = "20", description = "jobs of workload 3 (default: ${DEFAULT-VALUE})")
    int latencySamples;

    @Option(names = "--agents", defaultValue = "16", description = "Drover agents, and Slurm nodes (default: ${DEFAULT-VALUE})")
    int agents;

    @Option(names = "--gpus-per-agent", defaultValue = "8", description = "simulated GPUs per agent (default: ${DEFAULT-VALUE})")
    int gpusPerAgent;

    @Option(names = "--clients", defaultValue = "4", description = "Drover's submitting client threads (default: ${DEFAULT-VALUE})")
    int clients;

    @Option(names = "--warmup", defaultValue = "2000", description = "trivial jobs run on Drover before the measurements, not counted "
            + "but reported as its cold figures (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--warmup-gangs", defaultValue = "250", description = "gangs of 2 x 4 GPUs run on Drover after the warm-up's trivial jobs, "
            + "not counted but reported (default: ${DEFAULT-VALUE})")
    int warmupGangs;

    @Option(names = "--timeout", defaultValue = "900", description = "seconds to wait for one workload's jobs to finish (default: ${DEFAULT-VALUE})")
    long timeoutSeconds;

    @Option(names = "--work-dir", description = "Drover's data and logs, Slurm's raw results (default: a temporary directory, deleted unless a run failed)")
    Path workDir;

    @Option(names = "--keep", description = "keep the work directory")
    boolean keep;

    private final PrintStream out;
    private final PrintStream log;

    public SlurmCompareCommand() {
        this(System.out, System.err);
    }

    SlurmCompareCommand(PrintStream out, PrintStream log) {
        this.out = out;
        this.log = log;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new SlurmCompareCommand()).execute(args));
    }

    /** What is wrong with the options; empty when they are usable. */
    List<String> problems() {
        List<String> p = new ArrayList<>();
        for (String name : slurmProfiles()) {
            if (!SlurmProfile.NAMES.contains(name)) {
                p.add("--slurm-profiles: unknown profile '" + name + "'; use " + String.join(", ", SlurmProfile.NAMES) + " or none");
            }
        }
        if (agents < 2 || agents > 64) {
            p.add("--agents must be from 2 to 64 (the gangs need two nodes), got " + agents);
        }
        if (gpusPerAgent < 4 || gpusPerAgent > 64) {
            p.add("--gpus-per-agent must be from 4 to 64 (a gang replica takes 4), got " + gpusPerAgent);
        }
        if (jobs < 1 || gangs < 1 || latencySamples < 1) {
            p.add("--jobs, --gangs and --latency-samples must be at least 1");
        }
        if (timeoutSeconds < 1) {
            p.add("--timeout must be positive, got " + timeoutSeconds);
        }
        if (warmup < 0 || warmupGangs < 0) {
            p.add("--warmup and --warmup-gangs must be 0 or more, got " + warmup + " and " + warmupGangs);
        }
        p.addAll(settings(List.of(java.net.URI.create("http://127.0.0.1:1")), "t").problems());
        return p;
    }

    List<String> slurmProfiles() {
        List<String> names = new ArrayList<>();
        for (String s : profiles) {
            if (!s.isBlank() && !s.trim().equals("none")) {
                names.add(s.trim());
            }
        }
        return names;
    }

    private LoadSettings settings(List<java.net.URI> urls, String token) {
        return LoadSettings.defaults(urls, token).withClients(clients).withJobs(jobs).withWarmup(0)
                .withRunningTimeout(Duration.ofSeconds(timeoutSeconds));
    }

    @Override
    public Integer call() throws Exception {
        List<String> problems = problems();
        if (!problems.isEmpty()) {
            problems.forEach(p -> log.println("drover bench slurm: " + p));
            return 2;
        }
        DroverHome home = DroverHome.locate();
        Path scripts = slurmScripts != null ? slurmScripts : home.root().resolve("../shared/bench/slurm").normalize();
        boolean tempDir = workDir == null;
        Path dir = tempDir ? Files.createTempDirectory("drover-bench-slurm-") : workDir.toAbsolutePath();
        Files.createDirectories(dir);
        boolean failed = true;
        Instant started = Instant.now();
        String loadBefore = loadAverage();
        try (Teardown teardown = new Teardown()) {
            log.printf("drover bench slurm: work dir %s, load average %s%n", dir, loadBefore);
            List<SlurmResults> slurm = new ArrayList<>();
            for (String name : slurmProfiles()) {
                slurm.add(slurm(SlurmProfile.named(name), scripts, dir.resolve("slurm-" + name), teardown));
            }
            DroverRun drover = drover(home, dir.resolve("drover"), teardown);
            Comparison c = new Comparison(drover.figures(), slurm);
            out.printf(Locale.ROOT, "drover bench slurm: %d trivial jobs, %d gangs of 2 x 4 GPUs, %d idle-latency jobs; %d nodes x %d GPUs; "
                            + "Drover: standalone H2, %d agent processes, %d clients, warm-up %d trivial jobs + %d gangs; %s, %d cores; started %s, took %d s; "
                            + "load average before %s, after %s%n",
                    jobs, gangs, latencySamples, agents, gpusPerAgent, agents, clients, warmup, warmupGangs, Runtime.version(),
                    Runtime.getRuntime().availableProcessors(), started, Duration.between(started, Instant.now()).toSeconds(), loadBefore,
                    loadAverage());
            out.print(c.table());
            out.print(drover.notes());
            failed = !drover.complete();
            return failed ? 1 : 0;
        } finally {
            if (tempDir && !keep && !failed) {
                deleteTree(dir);
            } else {
                log.println("drover bench slurm: logs and data kept in " + dir);
            }
        }
    }

    private SlurmResults slurm(SlurmProfile profile, Path scripts, Path out, Teardown teardown) throws Exception {
        log.println("drover bench slurm: Slurm, profile " + profile.name() + " (" + agents + " nodes x " + gpusPerAgent + " GPUs) ...");
        Files.createDirectories(out);
        SlurmCluster cluster = teardown.add(SlurmCluster.at(scripts, slurmBase, log));
        try {
            cluster.setUp(profile, agents);
            return cluster.measure(profile.name(), slurmTests, jobs, gangs, latencySamples, out);
        } finally {
            teardown.closeNow(cluster);
        }
    }

    /** The three workloads on Drover. */
    record DroverRun(LoadResult trivial, LoadResult gang, LoadResult latency, LoadResult coldTrivial, LoadResult coldGang, int jobs,
            int gangs, int samples) {

        Map<Comparison.Figure, Double> figures() {
            Map<Comparison.Figure, Double> f = new EnumMap<>(Comparison.Figure.class);
            f.put(Comparison.Figure.SUBMIT_RATE, trivial.acceptedPerSecond());
            f.put(Comparison.Figure.TRIVIAL_ALL_DONE, trivial.allDoneSeconds());
            f.put(Comparison.Figure.GANG_ALL_DONE, gang.allDoneSeconds());
            Percentiles p = latency.runningMillis();
            if (!p.isEmpty()) {
                f.put(Comparison.Figure.LATENCY_P50, p.p50());
                f.put(Comparison.Figure.LATENCY_P90, p.percentile(90));
                f.put(Comparison.Figure.LATENCY_MAX, p.max());
            }
            return f;
        }

        boolean complete() {
            return trivial.succeeded() == jobs && gang.succeeded() == gangs && latency.ran() == samples;
        }

        String notes() {
            Percentiles accept = latency.acceptMillis();
            Percentiles sched = latency.scheduledMillis();
            String details = String.format(Locale.ROOT, "Drover details: trivial %d/%d succeeded, submit phase %.2f s, accept p50 %.1f ms; "
                            + "gangs %d/%d succeeded, %.1f submits/s; idle latency: accept p50 %.1f ms, submit -> scheduled p50 %.1f ms, "
                            + "%d/%d ran%n",
                    trivial.succeeded(), jobs, trivial.submitSeconds(), trivial.acceptMillis().p50(), gang.succeeded(), gangs,
                    gang.acceptedPerSecond(), accept.isEmpty() ? Double.NaN : accept.p50(), sched.isEmpty() ? Double.NaN : sched.p50(),
                    latency.ran(), samples);
            if (coldTrivial != null) {
                details += String.format(Locale.ROOT, "Drover cold (the warm-up, on the freshly started coordinator): %d trivial jobs "
                                + "%.1f submits/s, all done after %.2f s, %d succeeded%n",
                        coldTrivial.settings().jobs(), coldTrivial.acceptedPerSecond(), coldTrivial.allDoneSeconds(), coldTrivial.succeeded());
            }
            if (coldGang != null) {
                details += String.format(Locale.ROOT, "Drover cold gangs (the warm-up): %d gangs all done after %.2f s, %.1f submits/s, "
                                + "%d succeeded%n",
                        coldGang.settings().jobs(), coldGang.allDoneSeconds(), coldGang.acceptedPerSecond(), coldGang.succeeded());
            }
            return details;
        }
    }

    private DroverRun drover(DroverHome home, Path dir, Teardown teardown) throws Exception {
        log.println("drover bench slurm: Drover, standalone coordinator (H2) + " + agents + " agents x " + gpusPerAgent + " GPUs ...");
        LocalDrover d = teardown.add(LocalDrover.standalone(home, dir));
        try {
            long t0 = System.nanoTime();
            d.startCoordinators();
            d.startAgents(agents, gpusPerAgent);
            d.awaitNodesReady(agents);
            log.printf(Locale.ROOT, "drover bench slurm: up in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            LoadSettings base = settings(d.urls(), d.adminToken()).withMarker(d.marker());
            // A coordinator is a long-running service: the measurements start once its JIT has compiled the paths they
            // take (both job shapes). The warm-up's own figures are those of a freshly started one, and are reported.
            LoadResult coldTrivial = null;
            LoadResult coldGang = null;
            if (warmup > 0) {
                log.printf(Locale.ROOT, "drover bench slurm: warm-up: %d trivial jobs, then %d gangs (reported as cold figures)%n", warmup,
                        warmupGangs);
                coldTrivial = new LoadGenerator(base.withJobs(warmup), log).runToCompletion();
            }
            if (warmupGangs > 0) coldGang = new LoadGenerator(base.withJobs(warmupGangs).withShape(2, 4), log).runToCompletion();
            LoadResult trivial = new LoadGenerator(base, log).runToCompletion();
            log.printf(Locale.ROOT, "drover bench slurm: trivial: %.1f submits/s, all done after %.2f s%n", trivial.acceptedPerSecond(),
                    trivial.allDoneSeconds());
            LoadResult gang = new LoadGenerator(base.withJobs(gangs).withShape(2, 4), log).runToCompletion();
            log.printf(Locale.ROOT, "drover bench slurm: gangs: all done after %.2f s%n", gang.allDoneSeconds());
            LoadResult latency = new LoadGenerator(base.withJobs(latencySamples).withClients(1), log)
                    .runSequential(Duration.ofSeconds(1), 7);
            log.printf(Locale.ROOT, "drover bench slurm: idle latency p50 %.1f ms%n", latency.runningMillis().p50());
            return new DroverRun(trivial, gang, latency, coldTrivial, coldGang, jobs, gangs, latencySamples);
        } finally {
            teardown.closeNow(d);
        }
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException | RuntimeException e) {
            System.err.println("drover bench slurm: could not delete " + dir + ": " + e);
        }
    }
}
