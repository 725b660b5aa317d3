package dev.drover.bench.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A single-node Cassandra for one benchmark run, started and stopped through the project's own
 * launcher ({@code cassandra/drover-cassandra}, see docs/cassandra.md) in a directory of the run, on
 * free loopback ports. The launcher's watchdog stops it if this JVM dies without {@link #close()}.
 */
public final class LocalCassandra implements AutoCloseable {
    private final Path launcher;
    private final Path dir;
    private final int cqlPort;
    private final int storagePort;
    private boolean started;

    private LocalCassandra(Path launcher, Path dir, int cqlPort, int storagePort) {
        this.launcher = launcher;
        this.dir = dir;
        this.cqlPort = cqlPort;
        this.storagePort = storagePort;
    }

    /** Starts a fresh instance under {@code dir} and returns once CQL answers. */
    public static LocalCassandra start(DroverHome home, Path dir, String heap) throws IOException, InterruptedException {
        LocalCassandra c = new LocalCassandra(home.cassandraLauncher(), dir, FreePorts.next(), FreePorts.next());
        Files.createDirectories(dir);
        c.started = true;
        List<String> args = new ArrayList<>(List.of("--cql-port", String.valueOf(c.cqlPort), "--storage-port",
                String.valueOf(c.storagePort), "--wait", "300", "--owner-pid", String.valueOf(ProcessHandle.current().pid())));
        if (heap != null) {
            args.addAll(List.of("--heap", heap));
        }
        try {
            c.call(330, "start", args);
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** {@code 127.0.0.1:PORT}, as the coordinator's {@code --cassandra} takes it. */
    public String contactPoint() {
        return "127.0.0.1:" + cqlPort;
    }

    public Path dir() {
        return dir;
    }

    /** Graceful stop (drain); the launcher kills it after its grace period. */
    @Override
    public synchronized void close() {
        if (!started) {
            return;
        }
        started = false;
        try {
            call(60, "stop", List.of("--grace", "20"));
        } catch (IOException | RuntimeException | InterruptedException e) {
            System.err.println("drover bench: stopping the local Cassandra in " + dir + " failed: " + e.getMessage());
        }
    }

    private void call(long timeoutSeconds, String verb, List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(launcher.toString(), verb, "--dir", dir.toString()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (Runtime.version().feature() == 17) {
            // the JDK running the benchmark; Cassandra 5.0 runs on 17, not on newer ones
            pb.environment().put("DROVER_CASSANDRA_JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        }
        pb.environment().put("DROVER_CASSANDRA_NAME", "drover bench");
        pb.redirectErrorStream(true);
        Path output = Files.createTempFile(dir, "launcher-", ".out");
        pb.redirectOutput(output.toFile());
        Process p = pb.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("drover-cassandra " + verb + " did not finish within " + timeoutSeconds + " s:\n"
                    + Files.readString(output, StandardCharsets.UTF_8));
        }
        String text = Files.readString(output, StandardCharsets.UTF_8);
        Files.deleteIfExists(output);
        if (p.exitValue() != 0) {
            throw new IOException("drover-cassandra " + verb + " failed (exit " + p.exitValue() + "):\n" + text);
        }
    }
}
