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
 * Real Drover processes on loopback for integration tests: one standalone coordinator (H2 under a
 * temporary data dir), or several coordinators of one Pekko cluster on a Cassandra keyspace, and
 * any number of node agents with simulated GPUs. Requests go to the coordinator chosen with
 * {@link #use(int)} (the first by default). Everything started is stopped in {@link #close()},
 * including replica processes carrying this cluster's marker.
 */
public final class DroverCluster implements AutoCloseable {
  private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
  private static final String CLASSPATH = System.getProperty("java.class.path");

  public final Path root;
  public final String marker = "it-" + java.util.UUID.randomUUID();
  /** HTTP port of the first coordinator. */
  public final int port;
  private final int[] ports;
  private final int[] clusterPorts;
  private final int[] managementPorts;
  private final String cassandraContactPoint;
  private final String keyspace;
  private final Duration nodeTimeout;
  private HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  /** HTTPS/WSS on the API ports when set ({@link #withTls}). */
  private Tls tls;
  private final List<String> coordinatorArgs = new ArrayList<>();
  private final Process[] coordinators;
  private final Map<String, Process> agents = new LinkedHashMap<>();
  private final List<Process> all = new ArrayList<>();
  private volatile int target;
  private boolean formed;
  private String token;

  /** One standalone coordinator with an H2 journal. */
  public DroverCluster(Path root, Duration nodeTimeout) throws IOException {
    this(root, nodeTimeout, 1, null, null);
  }

  private DroverCluster(Path root, Duration nodeTimeout, int coordinators, String cassandraContactPoint, String keyspace)
      throws IOException {
    this.root = root;
    this.nodeTimeout = nodeTimeout;
    this.cassandraContactPoint = cassandraContactPoint;
    this.keyspace = keyspace;
    this.ports = new int[coordinators];
    this.clusterPorts = new int[coordinators];
    this.managementPorts = new int[coordinators];
    this.coordinators = new Process[coordinators];
    for (int i = 0; i < coordinators; i++) {
      ports[i] = freePort();
      clusterPorts[i] = freePort();
      managementPorts[i] = freePort();
    }
    this.port = ports[0];
    Files.createDirectories(root.resolve("logs"));
  }

  /** {@code n} coordinators of one cluster on a fresh keyspace of the Cassandra at {@code contactPoint}. */
  public static DroverCluster onCassandra(Path root, Duration nodeTimeout, int n, String contactPoint) throws IOException {
    String keyspace = "it_" + java.util.UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    return new DroverCluster(root, nodeTimeout, n, contactPoint, keyspace);
  }

  /** {@code n} coordinators of one cluster on this keyspace (which may hold a history already). */
  public static DroverCluster onCassandra(Path root, Duration nodeTimeout, int n, String contactPoint, String keyspace)
      throws IOException {
    return new DroverCluster(root, nodeTimeout, n, contactPoint, keyspace);
  }

  /** The Cassandra keyspace of the journal and the read models; null for a standalone coordinator. */
  public String keyspace() {
    return keyspace;
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

  /** The API of the coordinator requests go to. */
  public String url() {
    return url(target);
  }

  public String url(int coordinator) {
    return (tls != null ? "https" : "http") + "://127.0.0.1:" + ports[coordinator];
  }

  /** The coordinators' TLS: the keystore and its password file they serve with, the CA the test's clients trust. */
  public record Tls(Path keystore, Path passwordFile, Path caPem) {}

  /** Every coordinator serves HTTPS/WSS only with this keystore; this cluster's own requests trust the CA. */
  public DroverCluster withTls(Tls tls) {
    this.tls = tls;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
        .sslContext(dev.drover.protocol.tls.TlsTrust.fromPem(tls.caPem(), "--ca-cert").sslContext()).build();
    return this;
  }

  /** Extra command-line arguments for every coordinator start. */
  public DroverCluster withCoordinatorArgs(String... args) {
    coordinatorArgs.addAll(List.of(args));
    return this;
  }

  /** Every coordinator's API, comma-separated, as agents take them. */
  public String urls() {
    List<String> u = new ArrayList<>();
    for (int i = 0; i < ports.length; i++) u.add(url(i));
    return String.join(",", u);
  }

  /** Sends the following requests to this coordinator. */
  public DroverCluster use(int coordinator) {
    this.target = coordinator;
    return this;
  }

  public int coordinatorCount() {
    return ports.length;
  }

  public int httpPort(int coordinator) {
    return ports[coordinator];
  }

  public int managementPort(int coordinator) {
    return managementPorts[coordinator];
  }

  /** The coordinator's cluster address, as Pekko names members. */
  public String clusterAddress(int coordinator) {
    return "pekko://drover@127.0.0.1:" + clusterPorts[coordinator];
  }

  public Process coordinatorProcess(int coordinator) {
    return coordinators[coordinator];
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

  /** Starts (or restarts) the only or first coordinator and waits until it is ready. */
  public void startCoordinator() throws Exception {
    startCoordinator(0);
  }

  /** Starts (or restarts) every coordinator, the first first (it forms the cluster and writes the tokens). */
  public void startCoordinators() throws Exception {
    for (int i = 0; i < ports.length; i++) startCoordinator(i);
  }

  /** Starts (or restarts) one coordinator on its ports and data dir and waits until its API is ready. */
  public void startCoordinator(int i) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(JAVA, "-Xmx384m", "-XX:+UseSerialGC"));
    // Kanela's bytecode instrumentation adds seconds to every start; tests that need it turn it on.
    cmd.add("-Ddrover.metrics.instrumentation=off");
    cmd.addAll(coordinatorProperties);
    if (keyspace != null) cmd.add("-Ddrover.cassandra.keyspace=" + keyspace);
    cmd.addAll(List.of("-cp", CLASSPATH,
        "dev.drover.coordinator.Main", "--port", String.valueOf(ports[i]), "--data-dir", dataDir().toString(),
        "--node-timeout", nodeTimeout.toSeconds() + "s"));
    if (tls != null) {
      cmd.addAll(List.of("--tls-keystore", tls.keystore().toString(), "--tls-keystore-password-file", tls.passwordFile().toString()));
    }
    cmd.addAll(coordinatorArgs);
    if (cassandraContactPoint != null) {
      // The first start of the first coordinator forms the cluster (its own address is its only
      // seed). Every later start lists the others first: only the first seed of a list may form a
      // new cluster, so a restarted coordinator always joins the running one.
      List<String> seeds = new ArrayList<>();
      if (i == 0 && !formed) {
        seeds.add("127.0.0.1:" + clusterPorts[0]);
      } else {
        for (int k = 1; k <= clusterPorts.length; k++) seeds.add("127.0.0.1:" + clusterPorts[(i + k) % clusterPorts.length]);
      }
      formed = true;
      cmd.addAll(List.of("--persistence", "cassandra", "--cassandra", cassandraContactPoint,
          "--cluster-port", String.valueOf(clusterPorts[i]), "--seed-nodes", String.join(",", seeds),
          "--management-port", String.valueOf(managementPorts[i])));
    }
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.redirectErrorStream(true);
    String log = logName(i);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(root.resolve("logs/" + log).toFile()));
    Process p = pb.start();
    coordinators[i] = p;
    all.add(p);
    waitUntil(Duration.ofSeconds(90), "coordinator ready on " + url(i), () -> {
      if (!p.isAlive()) throw new IllegalStateException("coordinator exited: " + tail(log));
      try {
        return http.send(HttpRequest.newBuilder(URI.create(url(i) + "/readyz")).build(), HttpResponse.BodyHandlers.ofString())
            .statusCode() == 200;
      } catch (IOException e) {
        return false;
      }
    });
    JsonNode tokens = Json.mapper().readTree(dataDir().resolve("tokens.json").toFile());
    token = tokens.get("tokens").get(0).get("token").asText();
  }

  private String logName(int coordinator) {
    return ports.length == 1 ? "coordinator.log" : "coordinator-" + coordinator + ".log";
  }

  /** SIGKILL of the only or first coordinator, as a crash would. */
  public void killCoordinator() throws InterruptedException {
    killCoordinator(0);
  }

  /** SIGTERM: the coordinator leaves the cluster (its singletons and shards move at once) and exits. */
  public void stopCoordinator(int i) throws InterruptedException {
    coordinators[i].destroy();
    if (!coordinators[i].waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) killCoordinator(i);
  }

  /** The coordinator's log so far (all its starts, appended). */
  public String coordinatorLog(int coordinator) throws IOException {
    return Files.readString(root.resolve("logs").resolve(logName(coordinator)));
  }

  /** SIGKILL, as a crash would. */
  public void killCoordinator(int i) throws InterruptedException {
    coordinators[i].destroyForcibly();
    coordinators[i].waitFor();
  }

  public Process startAgent(String name, int gpus, String... extraArgs) throws IOException {
    return startAgent(0, name, gpus, extraArgs);
  }

  /** An agent that knows every coordinator, {@code first} first (it connects there unless that one is down). */
  public Process startAgent(int first, String name, int gpus, String... extraArgs) throws IOException {
    return startAgent(first, name, gpus, Map.of(), extraArgs);
  }

  /** As above, with these environment variables set for the agent. */
  public Process startAgent(int first, String name, int gpus, Map<String, String> env, String... extraArgs) throws IOException {
    List<String> order = new ArrayList<>();
    for (int i = 0; i < ports.length; i++) order.add(url((first + i) % ports.length));
    List<String> cmd = new ArrayList<>(List.of(JAVA, "-Xmx128m", "-XX:+UseSerialGC", "-cp", CLASSPATH,
        "dev.drover.agent.AgentMain", "--name", name, "--coordinator", String.join(",", order), "--join-token-file",
        dataDir().resolve("join-token").toString(), "--work-dir", root.resolve("agents/" + name).toString(),
        "--simulate-gpus", String.valueOf(gpus), "--address", "127.0.0.1", "--cpus", "32", "--memory", "256Gi"));
    cmd.addAll(List.of(extraArgs));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putAll(env);
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(root.resolve("logs/agent-" + name + ".log").toFile()));
    Process p = pb.start();
    agents.put(name, p);
    all.add(p);
    return p;
  }

  /** The coordinator that last welcomed this agent (from the agent's log), or -1. */
  public int welcomedBy(String agent) {
    String log;
    try {
      log = Files.readString(root.resolve("logs/agent-" + agent + ".log"));
    } catch (IOException e) {
      return -1;
    }
    int at = log.lastIndexOf("Welcomed by coordinator ws://127.0.0.1:");
    if (at < 0) return -1;
    String rest = log.substring(at + "Welcomed by coordinator ws://127.0.0.1:".length());
    int port = Integer.parseInt(rest.substring(0, rest.indexOf('/')));
    for (int i = 0; i < ports.length; i++) if (ports[i] == port) return i;
    return -1;
  }

  /** The agent's output so far (stderr and stdout, all its starts). */
  public String agentLog(String name) throws IOException {
    return Files.readString(root.resolve("logs/agent-" + name + ".log"));
  }

  public void killAgent(String name) throws InterruptedException {
    Process p = agents.get(name);
    p.destroyForcibly();
    p.waitFor();
  }

  /** Waits until the cluster sees these nodes Ready. */
  public void awaitNodesReady(String... names) throws Exception {
    waitUntil(Duration.ofSeconds(60), "nodes ready " + List.of(names), () -> {
      Response r = get("/api/v1/nodes");
      if (r.status() != 200) return false;
      JsonNode nodes = r.body();
      int ready = 0;
      for (JsonNode n : nodes.get("items")) {
        for (String name : names) if (n.get("name").asText().equals(name) && n.get("status").asText().equals("Ready")) ready++;
      }
      return ready == names.length;
    });
  }

  // ---------------------------------------------------------------- HTTP

  public record Response(int status, String contentType, String text, String retryAfter) {
    public JsonNode body() {
      try {
        return Json.mapper().readTree(text);
      } catch (IOException e) {
        throw new AssertionError("not JSON (" + status + "): " + text, e);
      }
    }
  }

  public Response request(String method, String path, String contentType, byte[] body, Map<String, String> headers) throws Exception {
    return request(target, method, path, contentType, body, headers);
  }

  public Response request(int coordinator, String method, String path, String contentType, byte[] body, Map<String, String> headers)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(coordinator) + path)).timeout(Duration.ofSeconds(30));
    headers.forEach(b::header);
    if (contentType != null) b.header("Content-Type", contentType);
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body(),
        r.headers().firstValue("Retry-After").orElse(null));
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

  /** The environment of each live marked process (replicas of this cluster's jobs), by pid. */
  public Map<Long, Map<String, String>> markedEnvironments() {
    Map<Long, Map<String, String>> out = new LinkedHashMap<>();
    for (long pid : markedProcesses()) {
      try {
        byte[] env = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"));
        Map<String, String> vars = new LinkedHashMap<>();
        for (String kv : new String(env, StandardCharsets.UTF_8).split("\0")) {
          int eq = kv.indexOf('=');
          if (eq > 0) vars.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        out.put(pid, vars);
      } catch (IOException ended) {
        // the process ended while we looked
      }
    }
    return out;
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
