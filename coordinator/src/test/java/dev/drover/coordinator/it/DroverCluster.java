package dev.drover.coordinator.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.drover.protocol.Json;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Real Drover processes on loopback for integration tests: one coordinator (standalone, H2 under a
 * temporary data dir) and any number of node agents with simulated GPUs. Everything started is
 * stopped in {@link #close()}, including replica processes carrying this cluster's marker.
 */
public final class DroverCluster implements AutoCloseable {
  private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
  private static final String CLASSPATH = System.getProperty("java.class.path");

  public final Path root;
  public final String marker = "it-" + java.util.UUID.randomUUID();
  public final int port;
  private final Duration nodeTimeout;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private Process coordinator;
  private final Map<String, Process> agents = new LinkedHashMap<>();
  private final List<Process> all = new ArrayList<>();
  private String token;

  public DroverCluster(Path root, Duration nodeTimeout) throws IOException {
    this.root = root;
    this.port = freePort();
    this.nodeTimeout = nodeTimeout;
    Files.createDirectories(root.resolve("logs"));
  }

  /** Ports this JVM handed out: a process that is down for a restart still owns its port. */
  private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * A free port below the kernel's ephemeral range (32768+), so the coordinator's own cluster
   * transport, which binds an ephemeral port, cannot take it between this check and the start.
   * Never the same port twice in one JVM, so a coordinator or Cassandra restarting on its port
   * does not find it given to someone else.
   */
  public static int freePort() throws IOException {
    java.util.Random random = new java.util.Random();
    for (int i = 0; i < 200; i++) {
      int port = 20000 + random.nextInt(12000);
      if (HANDED_OUT.contains(port)) continue;
      try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
        if (!HANDED_OUT.add(port)) continue;
        return s.getLocalPort();
      } catch (IOException taken) {
        // try another
      }
    }
    throw new IOException("no free port between 20000 and 32000");
  }

  public String url() {
    return "http://127.0.0.1:" + port;
  }

  public Path dataDir() {
    return root.resolve("data");
  }

  public String token() {
    return token;
  }

  /** Configuration overrides (-Dkey=value) for every coordinator start of this cluster. */
  private final List<String> coordinatorProperties = new ArrayList<>();

  public DroverCluster withCoordinatorSetting(String key, String value) {
    coordinatorProperties.add("-D" + key + "=" + value);
    return this;
  }

  /** Starts (or restarts) the coordinator on the same port and data dir and waits until it is ready. */
  public void startCoordinator() throws Exception {
    List<String> cmd = new ArrayList<>(List.of(JAVA, "-Xmx384m", "-XX:+UseSerialGC"));
    cmd.addAll(coordinatorProperties);
    cmd.addAll(List.of("-cp", CLASSPATH,
        "dev.drover.coordinator.Main", "--port", String.valueOf(port), "--data-dir", dataDir().toString(),
        "--node-timeout", nodeTimeout.toSeconds() + "s"));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(root.resolve("logs/coordinator.log").toFile()));
    coordinator = pb.start();
    all.add(coordinator);
    waitUntil(Duration.ofSeconds(60), "coordinator ready on " + url(), () -> {
      if (!coordinator.isAlive()) throw new IllegalStateException("coordinator exited: " + tail("coordinator.log"));
      try {
        return http.send(HttpRequest.newBuilder(URI.create(url() + "/readyz")).build(), HttpResponse.BodyHandlers.ofString())
            .statusCode() == 200;
      } catch (IOException e) {
        return false;
      }
    });
    JsonNode tokens = Json.mapper().readTree(dataDir().resolve("tokens.json").toFile());
    token = tokens.get("tokens").get(0).get("token").asText();
  }

  /** SIGKILL, as a crash would. */
  public void killCoordinator() throws InterruptedException {
    coordinator.destroyForcibly();
    coordinator.waitFor();
  }

  public Process startAgent(String name, int gpus, String... extraArgs) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(JAVA, "-Xmx128m", "-XX:+UseSerialGC", "-cp", CLASSPATH,
        "dev.drover.agent.AgentMain", "--name", name, "--coordinator", url(), "--join-token-file",
        dataDir().resolve("join-token").toString(), "--work-dir", root.resolve("agents/" + name).toString(),
        "--simulate-gpus", String.valueOf(gpus), "--address", "127.0.0.1", "--cpus", "32", "--memory", "256Gi"));
    cmd.addAll(List.of(extraArgs));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(root.resolve("logs/agent-" + name + ".log").toFile()));
    Process p = pb.start();
    agents.put(name, p);
    all.add(p);
    return p;
  }

  public void killAgent(String name) throws InterruptedException {
    Process p = agents.get(name);
    p.destroyForcibly();
    p.waitFor();
  }

  /** Waits until the cluster sees these nodes Ready. */
  public void awaitNodesReady(String... names) throws Exception {
    waitUntil(Duration.ofSeconds(60), "nodes ready " + List.of(names), () -> {
      JsonNode nodes = get("/api/v1/nodes").body();
      int ready = 0;
      for (JsonNode n : nodes.get("items")) {
        for (String name : names) if (n.get("name").asText().equals(name) && n.get("status").asText().equals("Ready")) ready++;
      }
      return ready == names.length;
    });
  }

  // ---------------------------------------------------------------- HTTP

  public record Response(int status, String contentType, String text) {
    public JsonNode body() {
      try {
        return Json.mapper().readTree(text);
      } catch (IOException e) {
        throw new AssertionError("not JSON (" + status + "): " + text, e);
      }
    }
  }

  public Response request(String method, String path, String contentType, byte[] body, Map<String, String> headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(30));
    headers.forEach(b::header);
    if (contentType != null) b.header("Content-Type", contentType);
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
  }

  public Response get(String path) throws Exception {
    return request("GET", path, null, null, Map.of("Authorization", "Bearer " + token));
  }

  public Response submit(String yaml) throws Exception {
    return request("POST", "/api/v1/jobs", "application/yaml", yaml.getBytes(StandardCharsets.UTF_8),
        Map.of("Authorization", "Bearer " + token));
  }

  public String submitOk(String yaml) throws Exception {
    Response r = submit(yaml);
    if (r.status() != 201) throw new AssertionError("submit failed: " + r.status() + " " + r.text());
    return r.body().get("id").asText();
  }

  public JsonNode job(String id) throws Exception {
    return get("/api/v1/jobs/" + id).body();
  }

  public JsonNode awaitJob(String id, Duration timeout, String what, Predicate<JsonNode> condition) throws Exception {
    JsonNode[] last = new JsonNode[1];
    try {
      waitUntil(timeout, "job " + id + " " + what, () -> {
        Response r = get("/api/v1/jobs/" + id);
        if (r.status() != 200) return false;
        last[0] = r.body();
        return condition.test(last[0]);
      });
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; last seen: " + last[0], e);
    }
    return last[0];
  }

  public JsonNode awaitState(String id, String state, Duration timeout) throws Exception {
    return awaitJob(id, timeout, "to be " + state, j -> j.get("state").asText().equals(state));
  }

  // ---------------------------------------------------------------- processes

  /** Live processes whose environment carries this cluster's marker (replicas of its jobs). */
  public List<Long> markedProcesses() {
    List<Long> pids = new ArrayList<>();
    byte[] needle = ("TEST_MARKER=" + marker).getBytes(StandardCharsets.UTF_8);
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : (Iterable<Path>) procs::iterator) {
        String name = p.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) continue;
        try {
          String stat = Files.readString(p.resolve("stat"));
          if (stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z")) continue;
          byte[] env = Files.readAllBytes(p.resolve("environ"));
          if (contains(env, needle)) pids.add(Long.parseLong(name));
        } catch (IOException | RuntimeException ignored) {
          // the process ended while we looked
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return pids;
  }

  private static boolean contains(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      if (i > 0 && hay[i - 1] != 0) continue;
      for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
      return true;
    }
    return false;
  }

  public static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  public String tail(String log) {
    try {
      String s = Files.readString(root.resolve("logs").resolve(log));
      return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
    } catch (IOException e) {
      return "(no log)";
    }
  }

  public interface Check {
    boolean ok() throws Exception;
  }

  public static void waitUntil(Duration timeout, String what, Check check) throws Exception {
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      if (check.ok()) return;
      if (Instant.now().isAfter(deadline)) throw new AssertionError("timed out after " + timeout.toSeconds() + "s waiting for " + what);
      Thread.sleep(100);
    }
  }

  @Override
  public void close() throws Exception {
    for (Process p : all) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    for (Process p : all) p.waitFor();
    for (long pid : markedProcesses()) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
  }
}
