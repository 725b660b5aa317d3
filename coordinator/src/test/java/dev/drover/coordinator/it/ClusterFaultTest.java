package dev.drover.coordinator.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.drover.protocol.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Faults of a three-coordinator cluster on a real Cassandra, with four real agents and a steady
 * stream of submissions (issue #4): kill -9 of the scheduler's coordinator, kill -9 of an agent's
 * coordinator, Cassandra stopped for 20 s, and a coordinator paused past the failure detector.
 * After each: no accepted job lost, no GPU held by two live replicas, running replicas untouched.
 * Measured gaps are printed as "FAULT ..." lines (docs/benchmarks.md records them).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterFaultTest {
  private static final Duration NODE_TIMEOUT = Duration.ofSeconds(20);
  private static final String[] AGENTS = {"a0", "a1", "a2", "a3"};

  private static LocalCassandra cassandra;
  private static DroverCluster cluster;
  private static SubmissionStream stream;
  /** Job id -> pids of its long-running replica, taken once they ran. */
  private static final Map<String, Set<Long>> longRunning = new TreeMap<>();
  private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

  @BeforeAll
  static void start() throws Exception {
    cassandra = LocalCassandra.shared();
    Path root = Files.createTempDirectory("drover-faults");
    cluster = DroverCluster.onCassandra(root, NODE_TIMEOUT, 3, cassandra.contactPoint());
    cluster.startCoordinators();
    for (int i = 0; i < AGENTS.length; i++) cluster.startAgent(i % 3, AGENTS[i], 8);
    cluster.awaitNodesReady(AGENTS);
    for (int i = 0; i < 4; i++) {
      String id = cluster.submitOk(job("long-" + i, 2, "sleep 600"));
      longRunning.put(id, Set.of());
    }
    for (String id : longRunning.keySet()) {
      cluster.awaitState(id, "RUNNING", Duration.ofSeconds(60));
      DroverCluster.waitUntil(Duration.ofSeconds(20), "replica process of " + id, () -> !pidsOf(id).isEmpty());
      longRunning.put(id, pidsOf(id));
    }
    stream = new SubmissionStream(cluster, Duration.ofMillis(300));
    stream.start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (stream != null) stream.stop();
    if (cluster != null) cluster.close();
  }

  /** A job that restarts after a lost replica (a node that went NotReady during a fault), as a real training job would. */
  static String job(String name, int gpus, String shell) {
    return "name: " + name + "\nresources: {gpus: " + gpus + "}\ncommand: [sh, -c, \"" + shell + "\"]\n"
        + "env: {TEST_MARKER: \"" + cluster.marker + "\"}\nterminationGracePeriod: 2s\n"
        + "restartPolicy: {maxRestarts: 5, backoff: 1s}\n";
  }

  /** Every test starts with three coordinators, whatever an earlier one left behind. */
  @BeforeEach
  void allCoordinatorsUp() throws Exception {
    for (int i = 0; i < 3; i++) {
      if (!cluster.coordinatorProcess(i).isAlive()) cluster.startCoordinator(i);
      stream.markUp(i);
    }
    cluster.use(0);
    // Every coordinator sees all three Up and agrees which is the oldest (the scheduler's host).
    DroverCluster.waitUntil(Duration.ofSeconds(60), "three Up coordinators that agree on the oldest", () -> {
      Set<String> oldest = new HashSet<>();
      for (int i = 0; i < 3; i++) {
        JsonNode m = members(i);
        if (m == null || m.get("members").size() != 3 || !m.get("unreachable").isEmpty()) return false;
        for (JsonNode member : m.get("members")) if (!member.get("status").asText().equals("Up")) return false;
        oldest.add(m.get("oldest").asText());
      }
      return oldest.size() == 1;
    });
  }

  // ---------------------------------------------------------------- faults

  @Test
  @Order(1)
  void killingTheSchedulersCoordinatorMovesSchedulingElsewhereAndLosesNothing() throws Exception {
    int s = singletonHost();
    stream.markDown(s);
    Instant killed = Instant.now();
    cluster.killCoordinator(s);
    int other = (s + 1) % 3;
    Duration gap = scheduledAfter(killed, other, "probe-kill-" + s);
    System.out.println("FAULT scheduler coordinator kill -9: scheduling resumed after " + gap.toMillis() + " ms");
    assertTrue(gap.compareTo(Duration.ofSeconds(60)) < 0, "scheduling resumed only after " + gap);
    assertLongRunningUntouched();
    assertNoGpuHeldTwice();
    cluster.startCoordinator(s);
    stream.markUp(s);
  }

  @Test
  @Order(2)
  void killingAnAgentsCoordinatorMovesTheAgentAndKeepsItsReplicas() throws Exception {
    String agent = "a1";
    int c = cluster.welcomedBy(agent);
    assertTrue(c >= 0, "a1 is connected somewhere");
    stream.markDown(c);
    Instant killed = Instant.now();
    cluster.killCoordinator(c);
    DroverCluster.waitUntil(Duration.ofSeconds(60), agent + " welcomed by another coordinator", () -> {
      int now = cluster.welcomedBy(agent);
      return now >= 0 && now != c;
    });
    System.out.println("FAULT agent's coordinator kill -9: " + agent + " welcomed elsewhere after "
        + Duration.between(killed, Instant.now()).toMillis() + " ms");
    cluster.use((c + 1) % 3);
    cluster.awaitNodesReady(AGENTS);
    assertLongRunningUntouched();
    assertNoGpuHeldTwice();
    cluster.startCoordinator(c);
    stream.markUp(c);
  }

  @Test
  @Order(3)
  void cassandraDownFor20sAnswers503ThenRecoversByItself() throws Exception {
    Instant stopped = Instant.now();
    cassandra.stop();
    Instant down = Instant.now();
    Thread.sleep(20_000);
    Instant restarting = Instant.now();
    cassandra.start();
    Instant up = Instant.now();
    System.out.println("FAULT Cassandra stopped " + Duration.between(stopped, down).toMillis() + " ms, down 20 s");
    // Every submission sent while Cassandra was down was refused with 503 and Retry-After.
    List<SubmissionStream.Attempt> during = stream.attemptsBetween(down.plusSeconds(1), restarting);
    assertFalse(during.isEmpty(), "submissions were attempted during the outage");
    for (SubmissionStream.Attempt a : during) {
      assertTrue(a.status() == 503 || a.status() == -1, "during the outage: " + a);
      if (a.status() == 503) assertTrue(a.retryAfter() != null, "503 without Retry-After: " + a);
    }
    long refused = during.stream().filter(a -> a.status() == 503).count();
    System.out.println("FAULT Cassandra outage: " + during.size() + " submissions during it, " + refused + " answered 503");
    assertTrue(refused > 0, "the outage was answered with 503");
    // No manual step: submissions are accepted again and scheduled.
    Duration recovered = scheduledAfter(up, 0, "probe-cassandra");
    System.out.println("FAULT Cassandra back: a submission was scheduled " + recovered.toMillis() + " ms after it started");
    assertLongRunningUntouched();
    assertNoGpuHeldTwice();
  }

  @Test
  @Order(4)
  void aPausedCoordinatorIsDownedAndDoesNotComeBackAsASecondScheduler() throws Exception {
    int s = singletonHost();
    stream.markDown(s);
    ProcessHandle paused = cluster.coordinatorProcess(s).toHandle();
    Instant stopped = Instant.now();
    signal(paused.pid(), "STOP");
    try {
      int other = (s + 1) % 3;
      // The other two see it unreachable, the Split Brain Resolver downs it, the scheduler moves.
      DroverCluster.waitUntil(Duration.ofSeconds(60), "coordinator " + s + " removed from the cluster", () -> {
        JsonNode m = members(other);
        if (m == null) return false;
        for (JsonNode member : m.get("members")) {
          if (member.get("node").asText().equals(cluster.clusterAddress(s))) return false;
        }
        return true;
      });
      System.out.println("FAULT paused coordinator: downed and removed after " + Duration.between(stopped, Instant.now()).toMillis() + " ms");
      Duration gap = scheduledAfter(stopped, other, "probe-pause-" + s);
      System.out.println("FAULT paused coordinator: scheduling resumed after " + gap.toMillis() + " ms");
      assertNoGpuHeldTwice();
    } finally {
      signal(paused.pid(), "CONT");
    }
    Instant resumed = Instant.now();
    // Back from the pause it learns it was downed and stops itself instead of scheduling again.
    DroverCluster.waitUntil(Duration.ofSeconds(60), "the paused coordinator to exit", () -> !paused.isAlive());
    System.out.println("FAULT paused coordinator: exited " + Duration.between(resumed, Instant.now()).toMillis() + " ms after it resumed");
    for (int i = 0; i < 10; i++) {
      assertNoGpuHeldTwice();
      Thread.sleep(300);
    }
    assertLongRunningUntouched();
    cluster.startCoordinator(s);
    stream.markUp(s);
  }

  @Test
  @Order(5)
  void everyAcceptedJobIsIntactAndFinishes() throws Exception {
    stream.stop();
    Map<String, Instant> accepted = stream.accepted();
    System.out.println("FAULT stream: " + accepted.size() + " accepted, " + stream.refusedCount() + " refused (503) in "
        + stream.attemptCount() + " attempts");
    assertTrue(accepted.size() > 20, "the stream submitted steadily: " + accepted.size());
    cluster.use(0);
    for (String id : accepted.keySet()) {
      cluster.awaitJob(id, Duration.ofSeconds(180), "to succeed", j -> j.get("state").asText().equals("SUCCEEDED"));
    }
    // Every coordinator lists every accepted job (read models fed from the shared journal).
    for (int c = 0; c < 3; c++) {
      int coordinator = c;
      Set<String> missing = new TreeSet<>();
      try {
        DroverCluster.waitUntil(Duration.ofSeconds(150), "coordinator " + c + " lists every accepted job", () -> {
        Set<String> listed = new HashSet<>();
        String cursor = null;
        do {
          JsonNode page = cluster.request(coordinator, "GET", "/api/v1/jobs?limit=500" + (cursor == null ? "" : "&cursor=" + cursor),
              null, null, Map.of("Authorization", "Bearer " + cluster.token())).body();
          for (JsonNode j : page.get("items")) listed.add(j.get("id").asText());
          cursor = page.hasNonNull("nextCursor") ? page.get("nextCursor").asText() : null;
        } while (cursor != null);
        missing.clear();
        for (String id : accepted.keySet()) if (!listed.contains(id)) missing.add(id);
        return missing.isEmpty();
        });
      } catch (AssertionError e) {
        StringBuilder why = new StringBuilder(e.getMessage() + "; missing " + missing.size() + ":");
        for (String id : missing) why.append("\n  ").append(id).append(" accepted ").append(accepted.get(id))
            .append(" ").append(cluster.request(coordinator, "GET", "/api/v1/jobs/" + id, null, null,
                Map.of("Authorization", "Bearer " + cluster.token())).text(), 0, 160);
        throw new AssertionError(why.toString(), e);
      }
    }
    assertLongRunningUntouched();
  }

  // ---------------------------------------------------------------- checks

  /** The coordinator the scheduler singleton runs on: the oldest member. */
  private static int singletonHost() throws Exception {
    for (int i = 0; i < 3; i++) {
      JsonNode m = members(i);
      if (m == null) continue;
      String oldest = m.get("oldest").asText();
      for (int c = 0; c < 3; c++) if (cluster.clusterAddress(c).equals(oldest)) return c;
    }
    throw new AssertionError("no coordinator answers /cluster/members");
  }

  private static JsonNode members(int coordinator) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + cluster.managementPort(coordinator) + "/cluster/members"))
          .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? Json.mapper().readTree(r.body()) : null;
    } catch (Exception e) {
      return null;
    }
  }

  /**
   * Submits a probe job through {@code via} (retrying while it is refused) and returns how long
   * after {@code since} the scheduler placed it (its JobScheduled event).
   */
  private static Duration scheduledAfter(Instant since, int via, String key) throws Exception {
    String[] id = new String[1];
    DroverCluster.waitUntil(Duration.ofSeconds(90), "a probe accepted by coordinator " + via, () -> {
      DroverCluster.Response r = cluster.request(via, "POST", "/api/v1/jobs", "application/yaml",
          job(key, 1, "sleep 1").getBytes(java.nio.charset.StandardCharsets.UTF_8),
          Map.of("Authorization", "Bearer " + cluster.token(), "Idempotency-Key", key));
      if (r.status() == 201 || r.status() == 200) id[0] = r.body().get("id").asText();
      return id[0] != null;
    });
    stream.recordAccepted(id[0]);
    cluster.use(via);
    JsonNode[] scheduled = new JsonNode[1];
    DroverCluster.waitUntil(Duration.ofSeconds(90), "probe " + id[0] + " scheduled", () -> {
      DroverCluster.Response r = cluster.get("/api/v1/jobs/" + id[0] + "/events");
      if (r.status() != 200) return false;
      JsonNode events = r.body();
      for (JsonNode e : events.get("events")) {
        if (e.get("type").asText().equals("JobScheduled")) scheduled[0] = e;
      }
      return scheduled[0] != null;
    });
    return Duration.between(since, Instant.parse(scheduled[0].get("at").asText()));
  }

  private static Set<Long> pidsOf(String jobId) {
    Set<Long> pids = new HashSet<>();
    cluster.markedEnvironments().forEach((pid, env) -> {
      if (jobId.equals(env.get("DROVER_JOB_ID"))) pids.add(pid);
    });
    return pids;
  }

  private static void assertLongRunningUntouched() {
    for (Map.Entry<String, Set<Long>> e : longRunning.entrySet()) {
      for (long pid : e.getValue()) assertTrue(DroverCluster.alive(pid), "replica " + pid + " of " + e.getKey() + " was stopped");
      assertEquals(e.getValue(), pidsOf(e.getKey()), "replica processes of " + e.getKey() + " changed");
    }
  }

  /** No GPU of any node is used by replicas of two different allocations at once. */
  private static void assertNoGpuHeldTwice() {
    Map<String, Set<String>> holders = new HashMap<>();
    cluster.markedEnvironments().forEach((pid, env) -> {
      String node = env.get("DROVER_NODE_NAME");
      String gpus = env.get("CUDA_VISIBLE_DEVICES");
      if (node == null || gpus == null || gpus.isEmpty()) return;
      for (String g : gpus.split(",")) {
        holders.computeIfAbsent(node + "/" + g, k -> new HashSet<>()).add(env.get("DROVER_ALLOCATION_ID"));
      }
    });
    holders.forEach((gpu, allocations) -> assertEquals(1, allocations.size(), "GPU " + gpu + " held by " + allocations));
    assertNotEquals(0, holders.size(), "the long-running replicas hold GPUs");
  }

  private static void signal(long pid, String sig) throws Exception {
    Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start();
    assertEquals(0, p.waitFor(), "kill -" + sig + " " + pid);
  }
}
