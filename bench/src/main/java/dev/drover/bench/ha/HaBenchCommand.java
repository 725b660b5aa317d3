package dev.drover.bench.ha;

import dev.drover.bench.load.LoadGenerator;
import dev.drover.bench.load.LoadResult;
import dev.drover.bench.load.LoadSettings;
import dev.drover.bench.local.DroverHome;
import dev.drover.bench.local.LocalCassandra;
import dev.drover.bench.local.LocalDrover;
import dev.drover.bench.local.Teardown;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code drover bench ha}: the same submission load on a standalone coordinator (H2) and on a
 * coordinator cluster on Cassandra, one after the other on this machine, with the same agents,
 * printed side by side. Everything runs from the built jars and is stopped at the end, on failure
 * and on Ctrl-C too.
 */
@Command(name = "bench ha", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Submissions/s and submit->running latency: standalone H2 coordinator vs a coordinator cluster on Cassandra.")
public final class HaBenchCommand implements Callable<Integer> {

    @Option(names = "--clients", defaultValue = "4", description = "client threads (default: ${DEFAULT-VALUE})")
    int clients;

    @Option(names = "--jobs", defaultValue = "500", description = "measured one-GPU jobs per deployment (default: ${DEFAULT-VALUE})")
    int jobs;

    @Option(names = "--warmup", defaultValue = "50", description = "jobs run before the measured ones on each deployment, not counted (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--coordinators", defaultValue = "3", description = "coordinators of the Cassandra cluster (default: ${DEFAULT-VALUE})")
    int coordinators;

    @Option(names = "--agents", defaultValue = "4", description = "node agents (default: ${DEFAULT-VALUE})")
    int agents;

    @Option(names = "--gpus-per-agent", defaultValue = "8", description = "simulated GPUs per agent (default: ${DEFAULT-VALUE})")
    int gpusPerAgent;

    @Option(names = "--cassandra", paramLabel = "HOST:PORT", description = "an existing Cassandra for the cluster (default: start a local one)")
    String cassandra;

    @Option(names = "--running-timeout", defaultValue = "300", description = "seconds to wait for every job to have run (default: ${DEFAULT-VALUE})")
    long runningTimeoutSeconds;

    @Option(names = "--work-dir", description = "data and logs (default: a temporary directory, deleted unless a run failed)")
    Path workDir;

    @Option(names = "--keep", description = "keep the work directory")
    boolean keep;

    private final PrintStream out;
    private final PrintStream log;

    public HaBenchCommand() {
        this(System.out, System.err);
    }

    HaBenchCommand(PrintStream out, PrintStream log) {
        this.out = out;
        this.log = log;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new HaBenchCommand()).execute(args));
    }

    /** What is wrong with the options; empty when they are usable. */
    List<String> problems() {
        List<String> p = new ArrayList<>();
        if (coordinators < 2 || coordinators > 9) {
            p.add("--coordinators must be from 2 to 9, got " + coordinators);
        }
        if (agents < 1 || agents > 64) {
            p.add("--agents must be from 1 to 64, got " + agents);
        }
        if (gpusPerAgent < 1 || gpusPerAgent > 64) {
            p.add("--gpus-per-agent must be from 1 to 64, got " + gpusPerAgent);
        }
        if (cassandra != null && !cassandra.matches("[^:,\\s]+:\\d{1,5}")) {
            p.add("--cassandra must be HOST:PORT, got '" + cassandra + "'");
        }
        // The load's own checks (clients, jobs, warmup, timeout), on placeholder URLs.
        p.addAll(settings(List.of(java.net.URI.create("http://127.0.0.1:1")), "t").problems());
        return p;
    }

    private LoadSettings settings(List<java.net.URI> urls, String token) {
        return LoadSettings.defaults(urls, token).withClients(clients).withJobs(jobs).withWarmup(warmup)
                .withRunningTimeout(Duration.ofSeconds(runningTimeoutSeconds));
    }

    @Override
    public Integer call() throws Exception {
        List<String> problems = problems();
        if (!problems.isEmpty()) {
            problems.forEach(p -> log.println("drover bench ha: " + p));
            return 2;
        }
        DroverHome home = DroverHome.locate();
        boolean tempDir = workDir == null;
        Path dir = tempDir ? Files.createTempDirectory("drover-bench-ha-") : workDir.toAbsolutePath();
        Files.createDirectories(dir);
        boolean failed = true;
        Instant started = Instant.now();
        try (Teardown teardown = new Teardown()) {
            log.printf("drover bench ha: work dir %s%n", dir);
            LoadResult h2 = standalone(home, dir.resolve("h2"), teardown);
            LoadResult cluster = onCassandra(home, dir.resolve("cassandra-cluster"), teardown);
            String clusterName = coordinators + " coordinators, Cassandra";
            out.printf(Locale.ROOT, "drover bench ha: %d jobs (1 x 1 GPU, command [true]) per deployment after %d warm-up jobs, %d clients, "
                            + "%d agents x %d simulated GPUs; %s, %d cores; started %s, took %d s%n",
                    jobs, warmup, clients, agents, gpusPerAgent, Runtime.version(), Runtime.getRuntime().availableProcessors(), started,
                    Duration.between(started, Instant.now()).toSeconds());
            out.print(LoadResult.compare(List.of("standalone H2", clusterName), List.of(h2, cluster), true));
            failed = h2.ran() < jobs || cluster.ran() < jobs;
            return failed ? 1 : 0;
        } finally {
            if ((tempDir && !keep && !failed)) {
                deleteTree(dir);
            } else {
                log.println("drover bench ha: logs and data kept in " + dir);
            }
        }
    }

    private LoadResult standalone(DroverHome home, Path dir, Teardown teardown) throws Exception {
        log.println("drover bench ha: standalone coordinator (H2) + " + agents + " agents ...");
        LocalDrover d = teardown.add(LocalDrover.standalone(home, dir));
        try {
            return load(d);
        } finally {
            teardown.closeNow(d);
        }
    }

    private LoadResult onCassandra(DroverHome home, Path dir, Teardown teardown) throws Exception {
        LocalCassandra local = null;
        String contactPoint = cassandra;
        if (contactPoint == null) {
            log.println("drover bench ha: starting a local Cassandra ...");
            local = teardown.add(LocalCassandra.start(home, dir.resolve("cassandra"), null));
            contactPoint = local.contactPoint();
        }
        log.println("drover bench ha: " + coordinators + " coordinators on Cassandra " + contactPoint + " + " + agents + " agents ...");
        LocalDrover d = teardown.add(LocalDrover.cluster(home, dir, coordinators, contactPoint));
        try {
            return load(d);
        } finally {
            teardown.closeNow(d);
            if (local != null) {
                teardown.closeNow(local);
            }
        }
    }

    private LoadResult load(LocalDrover d) throws Exception {
        long t0 = System.nanoTime();
        d.startCoordinators();
        d.startAgents(agents, gpusPerAgent);
        d.awaitNodesReady(agents);
        log.printf(Locale.ROOT, "drover bench ha: up in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        LoadResult r = new LoadGenerator(settings(d.urls(), d.adminToken()).withMarker(d.marker()), log).run();
        log.print(r.table());
        return r;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException | RuntimeException e) {
            System.err.println("drover bench ha: could not delete " + dir + ": " + e);
        }
    }
}
