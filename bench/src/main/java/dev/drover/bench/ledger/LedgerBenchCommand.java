package dev.drover.bench.ledger;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.drover.bench.local.DroverHome;
import dev.drover.bench.local.LocalCassandra;
import dev.drover.bench.stats.Percentiles;
import dev.drover.coordinator.ClusterAddresses;
import dev.drover.coordinator.DroverConfig;
import dev.drover.coordinator.DroverSettings;
import dev.drover.coordinator.scheduling.SchedulerSingleton;
import dev.drover.coordinator.scheduling.SchedulerSingleton.Event;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.persistence.jdbc.testkit.javadsl.SchemaUtils;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code drover bench ledger}: how long the scheduler's allocation ledger takes to recover after
 * {@code --events} decisions, from the snapshots its retention policy wrote and by replaying the
 * whole journal. The journal is filled by {@link LedgerFiller}, the recovery is the real
 * {@link SchedulerSingleton} behaviour, timed from its spawn to its first answer.
 */
@Command(name = "bench ledger", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Recovery time of the scheduler's allocation ledger with N decisions in the journal, with and without snapshots.")
public final class LedgerBenchCommand implements Callable<Integer> {

    @Option(names = "--store", defaultValue = "cassandra", description = "cassandra | h2: the cluster mode's journal or the standalone one (default: ${DEFAULT-VALUE})")
    String store;

    @Option(names = "--events", defaultValue = "1000000", description = "decisions written to the ledger (default: ${DEFAULT-VALUE})")
    long events;

    @Option(names = "--cassandra", paramLabel = "HOST:PORT",
            description = "an existing Cassandra (a fresh keyspace is created and dropped); default: start a local one in a temporary directory")
    String cassandra;

    @Option(names = "--repeats", defaultValue = "3", description = "recoveries measured per case (default: ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--batch", defaultValue = "100", description = "events per journal write while filling (default: ${DEFAULT-VALUE}, the Cassandra journal's max-message-batch-size)")
    int batch;

    @Option(names = "--nodes", defaultValue = "256", description = "8-GPU nodes the decisions place jobs on (default: ${DEFAULT-VALUE})")
    int nodes;

    @Option(names = "--pending", defaultValue = "100", description = "jobs waiting at any time once the cluster is full (default: ${DEFAULT-VALUE})")
    int pending;

    @Option(names = "--seed", defaultValue = "4", description = "seed of the decision stream (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--work-dir", description = "where the H2 file or the local Cassandra lives (default: a new temporary directory, deleted afterwards)")
    Path workDir;

    @Option(names = "--keep", description = "keep the work directory (and an existing Cassandra's keyspace) afterwards")
    boolean keep;

    @Option(names = "--cassandra-heap", description = "heap of the local Cassandra (default: the launcher's)")
    String cassandraHeap;

    @Option(names = "--settle", description = "seconds to wait between the fill and the recoveries (default: cassandra: two of the journal's "
            + "tag-scanning flush intervals and 5 s, 65; h2: 0)")
    Integer settleSeconds;

    private final PrintStream out;
    private final PrintStream log;

    public LedgerBenchCommand() {
        this(System.out, System.err);
    }

    LedgerBenchCommand(PrintStream out, PrintStream log) {
        this.out = out;
        this.log = log;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new LedgerBenchCommand()).execute(args));
    }

    /** What is wrong with the options, or null. */
    String validate() {
        if (!store.equals("cassandra") && !store.equals("h2")) {
            return "--store must be cassandra or h2, got '" + store + "'";
        }
        if (events < 1) {
            return "--events must be at least 1, got " + events;
        }
        if (repeats < 1 || repeats > 100) {
            return "--repeats must be from 1 to 100, got " + repeats;
        }
        if (batch < 1 || batch > 500) {
            return "--batch must be from 1 to 500, got " + batch;
        }
        if (nodes < 4) {
            return "--nodes must be at least 4, got " + nodes;
        }
        if (pending < 1) {
            return "--pending must be at least 1, got " + pending;
        }
        if (settleSeconds != null && (settleSeconds < 0 || settleSeconds > 3600)) {
            return "--settle must be from 0 to 3600 seconds, got " + settleSeconds;
        }
        if (cassandra != null) {
            if (store.equals("h2")) {
                return "--cassandra is for --store cassandra";
            }
            try {
                ClusterAddresses.hostPorts(cassandra, "--cassandra");
            } catch (IllegalArgumentException e) {
                return e.getMessage();
            }
        }
        return null;
    }

    /** One recovery: seconds from spawn to first answer, and what the recovered ledger holds. */
    record Trial(double seconds, int running, int waiting) {}

    @Override
    public Integer call() throws Exception {
        String problem = validate();
        if (problem != null) {
            log.println("drover bench ledger: " + problem);
            return 2;
        }
        long started = System.nanoTime();
        boolean tempDir = workDir == null;
        Path dir = tempDir ? Files.createTempDirectory("drover-bench-ledger-") : workDir.toAbsolutePath();
        Files.createDirectories(dir);
        String keyspace = "bench_ledger_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        LocalCassandra[] local = new LocalCassandra[1];
        // Ctrl-C runs no finally block: the hook stops the local Cassandra and removes the temporary directory.
        Thread cleanup = new Thread(() -> {
            synchronized (local) {
                if (local[0] != null) {
                    local[0].close();
                }
            }
            if (tempDir && !keep) {
                deleteTree(dir);
            } else {
                log.println("drover bench ledger: kept " + dir);
            }
        }, "bench-ledger-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            String contactPoints = cassandra;
            if (store.equals("cassandra") && contactPoints == null) {
                log.println("drover bench ledger: starting a local Cassandra in " + dir.resolve("cassandra") + " ...");
                synchronized (local) {
                    local[0] = LocalCassandra.start(DroverHome.locate(), dir.resolve("cassandra"), cassandraHeap);
                }
                contactPoints = local[0].contactPoint();
                log.println("drover bench ledger: Cassandra at " + contactPoints);
            }
            return run(configure(dir, contactPoints, keyspace), contactPoints, keyspace, local[0] == null && contactPoints != null, started);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
                cleanup.run();
            } catch (IllegalStateException shuttingDown) {
                // the hook runs it
            }
        }
    }

    private Config configure(Path dir, String contactPoints, String keyspace) {
        // The coordinator's own configuration, chosen and overridden as its Main does.
        System.setProperty("drover.persistence.mode", store);
        System.setProperty("drover.data-dir", dir.resolve("data").toString());
        if (store.equals("cassandra")) {
            List<String> points = ClusterAddresses.hostPorts(contactPoints, "--cassandra");
            for (int i = 0; i < points.size(); i++) {
                System.setProperty("drover.cassandra.contact-points." + i, points.get(i));
            }
            System.setProperty("drover.cassandra.keyspace", keyspace);
        }
        ConfigFactory.invalidateCaches();
        return ConfigFactory.parseString("pekko.log-dead-letters-during-shutdown = off").withFallback(DroverConfig.load());
    }

    private int run(Config config, String contactPoints, String keyspace, boolean dropKeyspace, long started) throws Exception {
        DroverSettings settings = DroverSettings.from(config);
        ActorSystem<LedgerHost.Command> system = ActorSystem.create(LedgerHost.create(), "drover", config);
        try {
            if (store.equals("h2")) {
                SchemaUtils.createIfNotExists(system).toCompletableFuture().get(60, TimeUnit.SECONDS);
            }
            String where = store.equals("h2") ? "H2 under " + settings.dataDir() : "Cassandra " + contactPoints + ", keyspace " + keyspace;
            log.printf(Locale.ROOT, "drover bench ledger: writing %,d decisions to the ledger (%s), %d events per write, %d nodes x 8 GPUs%n",
                    events, where, batch, nodes);
            Fill fill = fill(system);
            int settle = settleSeconds != null ? settleSeconds : store.equals("cassandra")
                    ? (int) (2 * config.getDuration("pekko.persistence.cassandra.events-by-tag.scanning-flush-interval").toSeconds() + 5) : 0;
            if (settle > 0) {
                // The Cassandra journal records per persistence id how far it has checked events for tags (tag_scanning),
                // every scanning-flush-interval, one interval late. A recovery from a snapshot first re-reads every event
                // from that point to the snapshot, inside the journal's 4 s circuit breaker; after a bulk fill that is
                // hundreds of thousands of events. A scheduler writing at production rates leaves the last minute behind.
                log.printf(Locale.ROOT, "drover bench ledger: waiting %d s for the journal's tag-scanning progress to catch up ...%n", settle);
                Thread.sleep(settle * 1000L);
            }
            log.printf(Locale.ROOT, "drover bench ledger: recovering the real scheduler %d times with snapshots ...%n", repeats);
            List<Trial> withSnapshots = recoveries(system, settings, fill, false);
            log.printf(Locale.ROOT, "drover bench ledger: recovering %d times by replaying all %,d events (snapshots deleted before each) ...%n",
                    repeats, fill.sequenceNr());
            List<Trial> replay = recoveries(system, settings, fill, true);
            print(fill, settle, withSnapshots, replay, (System.nanoTime() - started) / 1e9);
            if (dropKeyspace && !keep) {
                var session = CassandraSessionRegistry.get(system).sessionFor("pekko.persistence.cassandra");
                session.executeDDL("DROP KEYSPACE IF EXISTS " + keyspace).toCompletableFuture().get(60, TimeUnit.SECONDS);
                session.executeDDL("DROP KEYSPACE IF EXISTS " + keyspace + "_snapshot").toCompletableFuture().get(60, TimeUnit.SECONDS);
            }
            return 0;
        } finally {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
    }

    /** The filled ledger: its size, the write rate, and the snapshots the retention policy wrote. */
    record Fill(long sequenceNr, double seconds, long writes, int waiting, int allocations, int runtimeSamples, long snapshots,
                long lastSnapshotSequenceNr, long snapshotFailures, int snapshotBytes, int clusterGpus, double generatingSeconds,
                Percentiles plainWriteMillis, Percentiles snapshotWriteMillis) {}

    private Fill fill(ActorSystem<LedgerHost.Command> system) throws Exception {
        ActorRef<LedgerFiller.Command> filler = ask(system, LedgerHost.StartFiller::new, Duration.ofSeconds(30));
        // Recovered (an empty ledger) once it answers; the first access may create the keyspaces and tables.
        SchedulerSingleton.State before = AskPattern.<LedgerFiller.Command, SchedulerSingleton.State>ask(filler,
                LedgerFiller.Inspect::new, Duration.ofMinutes(3), system.scheduler()).toCompletableFuture().get();
        if (!before.equals(SchedulerSingleton.State.empty())) {
            throw new IllegalStateException("the ledger in this store is not empty; use a fresh --work-dir");
        }
        LedgerWorkload workload = new LedgerWorkload(nodes, 8, pending, seed);
        long writes = 0;
        long started = System.nanoTime();
        long reported = started;
        LedgerFiller.Written w = null;
        List<Double> plainWrites = new ArrayList<>();
        List<Double> snapshotWrites = new ArrayList<>();
        long generating = 0;
        while (workload.emitted() < events) {
            long t0 = System.nanoTime();
            List<Event> next = workload.next((int) Math.min(batch, events - workload.emitted()));
            long t1 = System.nanoTime();
            generating += t1 - t0;
            long snapshotsBefore = w == null ? 0 : w.snapshots();
            w = AskPattern.<LedgerFiller.Command, LedgerFiller.Written>ask(filler, r -> new LedgerFiller.Append(next, r),
                    Duration.ofSeconds(60), system.scheduler()).toCompletableFuture().get();
            long now = System.nanoTime();
            (w.snapshots() > snapshotsBefore ? snapshotWrites : plainWrites).add((now - t1) / 1e6);
            writes++;
            if (now - reported > TimeUnit.SECONDS.toNanos(30)) {
                reported = now;
                double s = (now - started) / 1e9;
                log.printf(Locale.ROOT, "  %,d events in %.0f s (%,.0f events/s, about %.0f s to go); ledger: %d running, %d waiting%n",
                        w.sequenceNr(), s, w.sequenceNr() / s, (events - w.sequenceNr()) / (w.sequenceNr() / s), w.allocations(), w.waiting());
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        SchedulerSingleton.State state = AskPattern.<LedgerFiller.Command, SchedulerSingleton.State>ask(filler,
                LedgerFiller.Inspect::new, Duration.ofSeconds(30), system.scheduler()).toCompletableFuture().get();
        int snapshotBytes = SerializationExtension.get(Adapter.toClassic(system)).serialize(state).get().length;
        ask(system, (ActorRef<Done> r) -> new LedgerHost.Stop(filler, r), Duration.ofSeconds(30));
        Fill fill = new Fill(w.sequenceNr(), seconds, writes, w.waiting(), w.allocations(), w.runtimeSamples(), w.snapshots(),
                w.lastSnapshotSequenceNr(), w.snapshotFailures(), snapshotBytes, workload.clusterGpus(), generating / 1e9,
                Percentiles.of(plainWrites), Percentiles.of(snapshotWrites));
        log.printf(Locale.ROOT, "drover bench ledger: wrote %,d events in %.1f s (%,.0f events/s, %,d writes, %,d snapshots of %,d bytes)%n",
                fill.sequenceNr(), seconds, fill.sequenceNr() / seconds, writes, fill.snapshots(), snapshotBytes);
        if (fill.snapshotFailures() > 0) {
            throw new IllegalStateException(fill.snapshotFailures() + " snapshot writes failed while filling");
        }
        return fill;
    }

    /**
     * {@code repeats} recoveries; with {@code withoutSnapshots} the snapshots are deleted before each one, because the
     * scheduler (Pekko, for any behaviour with a snapshot-every-N policy) stores a snapshot after a replay of N or more
     * events, before it answers anything.
     */
    private List<Trial> recoveries(ActorSystem<LedgerHost.Command> system, DroverSettings settings, Fill fill, boolean withoutSnapshots)
            throws Exception {
        List<Trial> trials = new ArrayList<>();
        for (int i = 0; i < repeats; i++) {
            if (withoutSnapshots) {
                eraseSnapshots(system);
            }
            Trial t = recover(system, settings);
            if (t.running() != fill.allocations() || t.waiting() != fill.waiting()) {
                throw new IllegalStateException("the recovered ledger holds " + t.running() + " allocations and " + t.waiting()
                        + " waiting jobs; the filler left " + fill.allocations() + " and " + fill.waiting());
            }
            log.printf(Locale.ROOT, "  recovery %d: %.3f s (%d running, %d waiting)%n", i + 1, t.seconds(), t.running(), t.waiting());
            trials.add(t);
        }
        return trials;
    }

    /** Spawns the real scheduler and times it until its first answer, which it gives only once recovered; then stops it. */
    private Trial recover(ActorSystem<LedgerHost.Command> system, DroverSettings settings) throws Exception {
        System.gc();
        long started = System.nanoTime();
        ActorRef<SchedulerSingleton.Command> scheduler = ask(system, r -> new LedgerHost.StartScheduler(settings, r), Duration.ofSeconds(30));
        SchedulerSingleton.QueueUsage usage = AskPattern.<SchedulerSingleton.Command, SchedulerSingleton.QueueUsage>ask(scheduler,
                SchedulerSingleton.GetQueueUsage::new, Duration.ofMinutes(10), system.scheduler()).toCompletableFuture().get();
        double seconds = (System.nanoTime() - started) / 1e9;
        ask(system, (ActorRef<Done> r) -> new LedgerHost.Stop(scheduler, r), Duration.ofSeconds(60));
        int running = usage.byQueue().values().stream().mapToInt(SchedulerSingleton.Usage::runningJobs).sum();
        int waiting = usage.byQueue().values().stream().mapToInt(SchedulerSingleton.Usage::pendingJobs).sum();
        return new Trial(seconds, running, waiting);
    }

    private void eraseSnapshots(ActorSystem<LedgerHost.Command> system) throws Exception {
        org.apache.pekko.actor.ActorRef eraser = ask(system, LedgerHost.StartEraser::new, Duration.ofSeconds(30));
        Object answer = Patterns.ask(eraser, SnapshotEraser.ERASE, Duration.ofMinutes(2)).toCompletableFuture().get();
        eraser.tell(org.apache.pekko.actor.PoisonPill.getInstance(), org.apache.pekko.actor.ActorRef.noSender());
        if (answer instanceof Throwable t) {
            throw new IllegalStateException("deleting the ledger's snapshots failed", t);
        }
    }

    private <T> T ask(ActorSystem<LedgerHost.Command> system, java.util.function.Function<ActorRef<T>, LedgerHost.Command> message,
                      Duration timeout) throws Exception {
        return AskPattern.ask(system, message::apply, timeout, system.scheduler()).toCompletableFuture().get();
    }

    private void print(Fill fill, int settle, List<Trial> withSnapshots, List<Trial> replay, double totalSeconds) {
        out.printf(Locale.ROOT, "drover bench ledger: store %s, %,d events, %d nodes x 8 GPUs, %d waiting jobs, seed %d; %d cores, %s; "
                        + "run took %.0f s%n", store, events, nodes, pending, seed, Runtime.getRuntime().availableProcessors(),
                Runtime.version(), totalSeconds);
        out.printf(Locale.ROOT, "ledger fill: %,d events in %.1f s = %,.0f events/s (%,d writes of up to %d events, %,d snapshots by the "
                        + "retention policy, %,d bytes each at the end)%n",
                fill.sequenceNr(), fill.seconds(), fill.sequenceNr() / fill.seconds(), fill.writes(), batch, fill.snapshots(),
                fill.snapshotBytes());
        out.printf(Locale.ROOT, "write latency (ms, p50 / p99 / max): %s without a snapshot, %s with one; generating the decisions took %.1f s%n",
                latencies(fill.plainWriteMillis()), latencies(fill.snapshotWriteMillis()), fill.generatingSeconds());
        out.printf(Locale.ROOT, "live ledger at the end: %d allocations on %d GPUs, %d waiting, %d runtime samples; "
                        + "latest snapshot at event %,d%n",
                fill.allocations(), fill.clusterGpus(), fill.waiting(), fill.runtimeSamples(), fill.lastSnapshotSequenceNr());
        out.printf(Locale.ROOT, "recovery = spawn of the real SchedulerSingleton until its first answer (GetQueueUsage), %d s after the fill; "
                + "without snapshots it includes the snapshot Pekko stores after replaying 500 or more events%n", settle);
        out.println(table(store, fill.sequenceNr(), fill.sequenceNr() - fill.lastSnapshotSequenceNr(), withSnapshots, replay));
        out.printf(Locale.ROOT, "every trial, s: with snapshots %s; without %s%n", seconds(withSnapshots), seconds(replay));
        double replayRate = fill.sequenceNr() / Percentiles.of(replay.stream().map(Trial::seconds).toList()).p50();
        out.printf(Locale.ROOT, "full replay: %,.0f events/s (p50); a recovery from a snapshot replays at most 499 events (~%.3f s at that rate)%n",
                replayRate, 499 / replayRate);
    }

    private static String seconds(List<Trial> trials) {
        return String.join(" ", trials.stream().map(t -> String.format(Locale.ROOT, "%.3f", t.seconds())).toList());
    }

    private static String latencies(Percentiles p) {
        if (p.isEmpty()) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.1f / %.1f / %.1f (%,d writes)", p.p50(), p.percentile(99), p.max(), p.count());
    }

    /** The results as a table: one row per case with p50, min and max of its recoveries in seconds. */
    static String table(String store, long events, long afterSnapshot, List<Trial> withSnapshots, List<Trial> replay) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-10s %12s %-9s %12s %7s %9s %9s %9s%n", "store", "events", "snapshot", "replayed",
                "trials", "p50 s", "min s", "max s"));
        b.append(row(store, events, "yes", afterSnapshot, withSnapshots));
        b.append(row(store, events, "no", events, replay));
        return b.toString().stripTrailing();
    }

    private static String row(String store, long events, String snapshot, long replayed, List<Trial> trials) {
        Percentiles p = Percentiles.of(trials.stream().map(Trial::seconds).toList());
        return String.format(Locale.ROOT, "%-10s %,12d %-9s %,12d %7d %9.3f %9.3f %9.3f%n", store, events, snapshot, replayed, p.count(),
                p.p50(), p.min(), p.max());
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException | RuntimeException e) {
            System.err.println("drover bench ledger: could not delete " + dir + ": " + e);
        }
    }
}
