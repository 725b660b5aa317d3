package dev.drover.coordinator.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real single-node Cassandra on loopback for integration tests, run by the project's own
 * launcher ({@code cassandra/drover-cassandra}, the one behind {@code drover cassandra} and CI).
 *
 * <p>{@link #shared()} starts one per test JVM on free ports; a test that stops or kills it starts
 * it again before it ends. The server lives under {@code target/} and is stopped at JVM exit, or by
 * the launcher's watchdog when this JVM dies without running its shutdown hooks.
 */
public final class LocalCassandra {
  private static final long START_TIMEOUT_S = 600; // includes fetching the server's jars on first use
  private static final long CALL_TIMEOUT_S = 120;

  private static LocalCassandra shared;
  private static RuntimeException sharedFailure;

  private final Path launcher;
  private final Path dir;
  private final int cqlPort;
  private final int storagePort;

  private LocalCassandra(Path launcher, Path dir, int cqlPort, int storagePort) {
    this.launcher = launcher;
    this.dir = dir;
    this.cqlPort = cqlPort;
    this.storagePort = storagePort;
  }

  /** The test JVM's instance, started on first use. A failed start fails every later caller at once. */
  public static synchronized LocalCassandra shared() {
    if (sharedFailure != null) throw new IllegalStateException("the shared Cassandra did not start", sharedFailure);
    if (shared == null) {
      try {
        Path base = Files.isDirectory(Path.of("target")) ? Path.of("target") : Path.of(System.getProperty("java.io.tmpdir"));
        Path dir = Files.createTempDirectory(base.toAbsolutePath(), "local-cassandra-");
        int cql = DroverCluster.freePort();
        int storage = DroverCluster.freePort();
        LocalCassandra cassandra = new LocalCassandra(repoRoot().resolve("cassandra/drover-cassandra"), dir, cql, storage);
        Runtime.getRuntime().addShutdownHook(new Thread(cassandra::discard, "local-cassandra-stop"));
        cassandra.start();
        shared = cassandra;
      } catch (IOException e) {
        sharedFailure = new UncheckedIOException(e);
        throw sharedFailure;
      } catch (RuntimeException e) {
        sharedFailure = e;
        throw e;
      }
    }
    return shared;
  }

  /** Starts the server (same ports and data as before) and returns once CQL answers; a no-op when it runs. */
  public synchronized void start() {
    call(START_TIMEOUT_S, "start", "--cql-port", String.valueOf(cqlPort), "--storage-port", String.valueOf(storagePort),
        "--wait", "300", "--owner-pid", String.valueOf(ProcessHandle.current().pid()));
  }

  /** SIGTERM: Cassandra drains (flushes its memtables) and exits; SIGKILL after 30 s. */
  public synchronized void stop() {
    call(CALL_TIMEOUT_S, "stop", "--grace", "30");
  }

  /** SIGKILL, as a crash would. */
  public synchronized void kill() {
    call(CALL_TIMEOUT_S, "kill");
  }

  /** A graceful stop and a start on the same ports and data; after a {@link #kill()}, only the start. */
  public synchronized void restart() {
    stop();
    start();
  }

  /** True when the server process runs and answers a CQL handshake. */
  public synchronized boolean isRunning() {
    return run(CALL_TIMEOUT_S, "status").code() == 0;
  }

  public int cqlPort() {
    return cqlPort;
  }

  /** {@code 127.0.0.1:port}, the form of {@code datastax-java-driver.basic.contact-points}. */
  public String contactPoint() {
    return "127.0.0.1:" + cqlPort;
  }

  public InetSocketAddress address() {
    return new InetSocketAddress("127.0.0.1", cqlPort);
  }

  /** The instance directory: conf, data, logs ({@code logs/system.log}). */
  public Path dir() {
    return dir;
  }

  private record Result(int code, String output) {}

  private void call(long timeoutSeconds, String verb, String... args) {
    Result r = run(timeoutSeconds, verb, args);
    if (r.code() != 0) {
      throw new IllegalStateException("drover-cassandra " + verb + " failed (exit " + r.code() + "):\n" + r.output());
    }
  }

  private Result run(long timeoutSeconds, String verb, String... args) {
    List<String> cmd = new ArrayList<>(List.of(launcher.toString(), verb, "--dir", dir.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    if (Runtime.version().feature() == 17) {
      // the JDK running the tests, where it is one Cassandra 5.0 runs on; otherwise the launcher finds one
      pb.environment().put("DROVER_CASSANDRA_JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }
    pb.redirectErrorStream(true);
    Path output = null;
    try {
      // a file, not a pipe: the output is readable even when the launcher has to be abandoned
      output = Files.createTempFile(dir, "launcher-", ".out");
      pb.redirectOutput(output.toFile());
      Process p = pb.start();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("drover-cassandra " + verb + " did not finish within " + timeoutSeconds + "s:\n"
            + Files.readString(output, StandardCharsets.UTF_8));
      }
      String text = Files.readString(output, StandardCharsets.UTF_8);
      Files.createDirectories(dir.resolve("logs"));
      Files.writeString(dir.resolve("logs/launcher.log"), "$ drover-cassandra " + String.join(" ", cmd.subList(1, cmd.size()))
          + "\n" + text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      return new Result(p.exitValue(), text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running drover-cassandra " + verb, e);
    } finally {
      if (output != null) {
        try {
          Files.deleteIfExists(output);
        } catch (IOException ignored) {
          // the instance dir goes at exit anyway
        }
      }
    }
  }

  /**
   * At JVM exit: SIGKILL (the data is thrown away, a drain would only cost time), then the data
   * and the unpacked native libraries go; the logs stay under target/ for a failed build to show.
   */
  private void discard() {
    try {
      run(CALL_TIMEOUT_S, "kill");
      for (Path gone : List.of(dir.resolve("data"), dir.resolve("tmp"))) {
        if (!Files.isDirectory(gone)) continue;
        try (Stream<Path> files = Files.walk(gone)) {
          files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
      }
    } catch (RuntimeException | IOException e) {
      System.err.println("LocalCassandra: cleanup of " + dir + " failed: " + e);
    }
  }

  /** The checkout: the first directory up from here (or from -Ddrover.root) that holds the drover launcher. */
  static Path repoRoot() {
    String prop = System.getProperty("drover.root");
    Path start = prop != null ? Path.of(prop) : Path.of("").toAbsolutePath();
    for (Path p = start.toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("drover")) && Files.isRegularFile(p.resolve("cassandra/drover-cassandra"))) return p;
    }
    throw new IllegalStateException("cannot find the repository root (a directory with drover and cassandra/drover-cassandra) above " + start);
  }
}
