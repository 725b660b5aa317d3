package dev.drover.bench.local;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The checkout the benchmarks run from, and the built launchers and jars in it: the directory given
 * by {@code -Ddrover.home} (the {@code drover} launcher sets it), else the first one up from the
 * working directory that holds {@code drover} and {@code cassandra/drover-cassandra}.
 */
public record DroverHome(Path root) {

    public static DroverHome locate() {
        String prop = System.getProperty("drover.home");
        Path start = (prop != null ? Path.of(prop) : Path.of("")).toAbsolutePath();
        for (Path p = start; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("drover")) && Files.isRegularFile(p.resolve("cassandra/drover-cassandra"))) {
                return new DroverHome(p);
            }
        }
        throw new IllegalStateException("cannot find the Drover checkout (a directory with drover and cassandra/drover-cassandra) at or above "
                + start + "; run from the checkout or pass -Ddrover.home=DIR");
    }

    public Path cassandraLauncher() {
        return root.resolve("cassandra/drover-cassandra");
    }

    /** The coordinator's classpath: its jar and its runtime dependencies, as {@code drover coordinator} runs it. */
    public String coordinatorClasspath() {
        return need(root.resolve("coordinator/target/drover-coordinator-0.1.0-SNAPSHOT.jar")) + ":"
                + need(root.resolve("coordinator/target/lib")) + "/*";
    }

    public Path agentJar() {
        return need(root.resolve("node-agent/target/drover-node-agent.jar"));
    }

    private static Path need(Path p) {
        if (!Files.exists(p)) {
            throw new IllegalStateException(p + " is missing: build first (mvn -B -DskipTests install, or any ./drover command)");
        }
        return p;
    }
}
