package dev.drover.coordinator.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each scheduling policy end to end: real coordinator, real agents, real processes. */
class SchedulingPolicyTest {
  @TempDir Path tmp;
  private DroverCluster cluster;

  @AfterEach
  void stop() throws Exception {
    if (cluster != null) cluster.close();
  }

  private void start(String... agents) throws Exception {
    cluster = new DroverCluster(tmp, Duration.ofSeconds(10))
        .withCoordinatorSetting("drover.scheduler.min-runtime-before-preemption", "0s");
    cluster.startCoordinator();
    List<String> names = new ArrayList<>();
    for (String a : agents) {
      String[] parts = a.split(":");
      List<String> extra = new ArrayList<>();
      for (int i = 2; i < parts.length; i++) extra.addAll(List.of("--label", parts[i]));
      cluster.startAgent(parts[0], Integer.parseInt(parts[1]), extra.toArray(String[]::new));
      names.add(parts[0]);
    }
    cluster.awaitNodesReady(names.toArray(String[]::new));
  }

  private String job(String name, String extra, int gpus, String script) {
    return "name: " + name + "\nresources: {gpus: " + gpus + "}\n" + extra
        + "command: [\"/bin/sh\", \"-c\", \"" + script + "\"]\n"
        + "env: {TEST_MARKER: \"" + cluster.marker + "\"}\nterminationGracePeriod: 2s\n";
  }

  private List<String> history(String id) throws Exception {
    List<String> lines = new ArrayList<>();
    for (JsonNode e : cluster.get("/api/v1/jobs/" + id + "/events").body().get("events")) {
      lines.add(e.get("type").asText() + ": " + e.get("summary").asText());
    }
    return lines;
  }

  private Map<String, String> admin() {
    return Map.of("Authorization", "Bearer " + cluster.token());
  }

  @Test
  void highPriorityGangPreemptsTwoLowPriorityJobsWhichAreRequeuedAndFinishLater() throws Exception {
    start("n1:4");
    String low1 = cluster.submitOk(job("low-1", "priorityClass: low\npreemptible: true\n", 2, "sleep 6"));
    String low2 = cluster.submitOk(job("low-2", "priorityClass: low\npreemptible: true\n", 2, "sleep 6"));
    cluster.awaitState(low1, "RUNNING", Duration.ofSeconds(30));
    cluster.awaitState(low2, "RUNNING", Duration.ofSeconds(30));

    String high = cluster.submitOk(job("high", "priorityClass: high\n", 4, "sleep 2"));
    JsonNode h = cluster.awaitState(high, "SUCCEEDED", Duration.ofSeconds(60));
    assertEquals(1, h.get("attempt").asInt());

    for (String low : List.of(low1, low2)) {
      JsonNode l = cluster.awaitState(low, "SUCCEEDED", Duration.ofSeconds(60));
      assertEquals(2, l.get("attempt").asInt(), "preempted once, then ran again");
      assertEquals(0, l.get("restarts").asInt(), "a preemption is not counted as a restart");
      String events = String.join("\n", history(low));
      assertTrue(events.contains("stopping the gang (preemption)"), events);
      assertTrue(events.contains("JobRequeued"), events);
    }
    DroverCluster.waitUntil(Duration.ofSeconds(10), "no replica left", () -> cluster.markedProcesses().isEmpty());
  }

  @Test
  void aQueueBelowItsGuaranteeReclaimsGpusLentToABorrower() throws Exception {
    start("n1:4");
    assertEquals(201, cluster.request("POST", "/api/v1/queues", "application/json",
        "{\"name\":\"team-a\",\"guaranteedGpus\":4}".getBytes(StandardCharsets.UTF_8), admin()).status());
    assertEquals(201, cluster.request("POST", "/api/v1/queues", "application/json",
        "{\"name\":\"team-b\",\"guaranteedGpus\":0,\"borrowLimitGpus\":4}".getBytes(StandardCharsets.UTF_8), admin()).status());
    String borrower = cluster.submitOk(job("borrower", "queue: team-b\n", 4, "sleep 600"));
    cluster.awaitState(borrower, "RUNNING", Duration.ofSeconds(30));
    JsonNode b = cluster.get("/api/v1/queues/team-b").body();
    assertEquals(4, b.get("gpusBorrowed").asInt());

    String owner = cluster.submitOk(job("owner", "queue: team-a\n", 2, "sleep 1"));
    cluster.awaitState(owner, "SUCCEEDED", Duration.ofSeconds(60));
    String events = String.join("\n", history(borrower));
    assertTrue(events.contains("stopping the gang (preemption)"), events);
    assertTrue(events.toLowerCase().contains("reclaim"), events);
    // the borrower is requeued and runs again once the owner's job is done
    JsonNode again = cluster.awaitJob(borrower, Duration.ofSeconds(60), "to run again",
        j -> j.get("attempt").asInt() == 2 && j.get("state").asText().equals("RUNNING"));
    assertEquals(0, again.get("restarts").asInt());
  }

  @Test
  void aJobOverItsQueueQuotaWaitsAndSaysWhichQuota() throws Exception {
    start("n1:8");
    assertEquals(201, cluster.request("POST", "/api/v1/queues", "application/json",
        "{\"name\":\"small\",\"guaranteedGpus\":2,\"borrowLimitGpus\":0}".getBytes(StandardCharsets.UTF_8), admin()).status());
    String id = cluster.submitOk(job("big", "queue: small\n", 4, "true"));
    JsonNode j = cluster.awaitJob(id, Duration.ofSeconds(20), "to say QUOTA_EXCEEDED",
        v -> v.has("pending") && "QUOTA_EXCEEDED".equals(v.get("pending").path("code").asText()));
    assertEquals("PENDING", j.get("state").asText());
    assertTrue(j.get("pending").get("quota").asText().contains("small"), j.toString());
    assertTrue(j.get("pending").get("queuePosition").asInt() >= 1);
  }

  @Test
  void backfillRunsShortJobsAheadOfAReservationButNeverJobsWithoutAMaxRuntime() throws Exception {
    start("n1:4");
    String running = cluster.submitOk(job("running", "maxRuntime: 40s\n", 2, "sleep 40"));
    cluster.awaitState(running, "RUNNING", Duration.ofSeconds(30));
    String head = cluster.submitOk(job("head", "", 4, "sleep 1"));
    JsonNode h = cluster.awaitJob(head, Duration.ofSeconds(20), "to hold a reservation",
        v -> v.has("pending") && v.get("pending").hasNonNull("estimatedStart"));
    Instant reservedAt = Instant.parse(h.get("pending").get("estimatedStart").asText());
    assertTrue(reservedAt.isAfter(Instant.now()), "the reservation is in the future: " + reservedAt);

    String shortJob = cluster.submitOk(job("short", "maxRuntime: 5s\n", 2, "sleep 1"));
    String unbounded = cluster.submitOk(job("unbounded", "", 2, "sleep 1"));
    cluster.awaitState(shortJob, "SUCCEEDED", Duration.ofSeconds(30));
    JsonNode u = cluster.job(unbounded);
    assertEquals("PENDING", u.get("state").asText(), "a job without maxRuntime never backfills: " + u);
    assertEquals("PENDING", cluster.job(head).get("state").asText());

    // once the running job ends, the reserved head starts before the unbounded job
    assertEquals(202, cluster.request("DELETE", "/api/v1/jobs/" + running, null, null, admin()).status());
    cluster.awaitState(head, "SUCCEEDED", Duration.ofSeconds(60));
    cluster.awaitState(unbounded, "SUCCEEDED", Duration.ofSeconds(60));
    Instant headStart = Instant.parse(cluster.job(head).get("startedAt").asText());
    Instant unboundedStart = Instant.parse(cluster.job(unbounded).get("startedAt").asText());
    assertTrue(!headStart.isAfter(unboundedStart), "head " + headStart + " before unbounded " + unboundedStart);
  }

  @Test
  void labelsAndPackOrSpreadDecideWhereReplicasGo() throws Exception {
    start("n1:4:rack=r1", "n2:4:rack=r2");
    String pinned = cluster.submitOk(job("pinned", "placement: {requireLabels: {rack: r2}}\n", 1, "sleep 30"));
    JsonNode p = cluster.awaitState(pinned, "RUNNING", Duration.ofSeconds(30));
    assertEquals("n2", p.get("replicaStatus").get(0).get("node").asText());

    String spread = cluster.submitOk(job("spread", "replicas: 2\nplacement: {strategy: spread}\n", 1, "sleep 30"));
    JsonNode s = cluster.awaitState(spread, "RUNNING", Duration.ofSeconds(30));
    assertNotEquals(s.get("replicaStatus").get(0).get("node").asText(), s.get("replicaStatus").get(1).get("node").asText());

    String packed = cluster.submitOk(job("packed", "replicas: 2\n", 1, "sleep 30"));
    JsonNode k = cluster.awaitState(packed, "RUNNING", Duration.ofSeconds(30));
    assertEquals(k.get("replicaStatus").get(0).get("node").asText(), k.get("replicaStatus").get(1).get("node").asText());

    String nowhere = cluster.submitOk(job("nowhere", "placement: {requireLabels: {rack: r9}}\n", 1, "true"));
    JsonNode n = cluster.awaitJob(nowhere, Duration.ofSeconds(20), "to say no node matches",
        v -> v.has("pending") && v.get("pending").hasNonNull("code") && !v.get("pending").get("code").asText().equals("QUEUED"));
    String code = n.get("pending").get("code").asText();
    assertTrue(code.equals("NO_MATCHING_NODES") || code.equals("NEVER_FITS"), n.toString());
    assertTrue(n.get("pendingReason").asText().contains("rack"), n.toString());
  }

  @Test
  void fairShareSplitsFreedCapacityBetweenQueuesInsteadOfSubmitOrder() throws Exception {
    start("n1:4");
    for (String q : List.of("team-a", "team-b")) {
      assertEquals(201, cluster.request("POST", "/api/v1/queues", "application/json",
          ("{\"name\":\"" + q + "\",\"guaranteedGpus\":2,\"borrowLimitGpus\":2}").getBytes(StandardCharsets.UTF_8), admin()).status());
    }
    // Everything waits on a cordoned node, team-a's jobs submitted first.
    assertEquals(200, cluster.request("POST", "/api/v1/nodes/n1/cordon", null, null, admin()).status());
    List<String> a = new ArrayList<>();
    List<String> b = new ArrayList<>();
    for (int i = 0; i < 4; i++) a.add(cluster.submitOk(job("a" + i, "queue: team-a\n", 1, "sleep 600")));
    for (int i = 0; i < 4; i++) b.add(cluster.submitOk(job("b" + i, "queue: team-b\n", 1, "sleep 600")));
    assertEquals(200, cluster.request("POST", "/api/v1/nodes/n1/uncordon", null, null, admin()).status());
    DroverCluster.waitUntil(Duration.ofSeconds(30), "4 jobs to run", () -> running(a) + running(b) == 4);
    assertEquals(2, running(a), "team-a gets its fair half, not all four GPUs by submit order");
    assertEquals(2, running(b));
    JsonNode waiting = cluster.job(a.get(3));
    assertEquals("PENDING", waiting.get("state").asText());
    assertTrue(waiting.get("pending").get("queuePosition").asInt() >= 1, waiting.toString());
  }

  private int running(List<String> ids) throws Exception {
    int n = 0;
    for (String id : ids) if (cluster.job(id).get("state").asText().equals("RUNNING")) n++;
    return n;
  }

  @Test
  void aReplicaGetsGpusOfOneTopologyDomain() throws Exception {
    start("n1:8");
    String small = cluster.submitOk(job("small", "", 2, "sleep 600"));
    JsonNode s = cluster.awaitState(small, "RUNNING", Duration.ofSeconds(30));
    String big = cluster.submitOk(job("big", "", 4, "sleep 600"));
    JsonNode b = cluster.awaitState(big, "RUNNING", Duration.ofSeconds(30));
    // The simulated node has two PCIe domains, GPUs 0-3 and 4-7.
    List<Integer> smallGpus = gpus(s);
    List<Integer> bigGpus = gpus(b);
    assertTrue(smallGpus.stream().allMatch(g -> g / 4 == smallGpus.get(0) / 4), "one domain: " + smallGpus);
    assertTrue(bigGpus.stream().allMatch(g -> g / 4 == bigGpus.get(0) / 4), "the 4-GPU replica takes a whole domain: " + bigGpus);
  }

  private static List<Integer> gpus(JsonNode job) {
    List<Integer> out = new ArrayList<>();
    for (JsonNode g : job.get("replicaStatus").get(0).get("gpus")) out.add(g.asInt());
    return out;
  }

  @Test
  void drainingANodeMovesItsGangElsewhereWithoutCountingARestart() throws Exception {
    start("n1:4", "n2:4");
    String id = cluster.submitOk(job("movable", "", 4, "sleep 600"));
    JsonNode first = cluster.awaitState(id, "RUNNING", Duration.ofSeconds(30));
    String from = first.get("replicaStatus").get(0).get("node").asText();
    long pid = first.get("replicaStatus").get(0).get("pid").asLong();
    assertEquals(200, cluster.request("POST", "/api/v1/nodes/" + from + "/drain", "application/json",
        "{\"reason\":\"kernel upgrade\"}".getBytes(StandardCharsets.UTF_8), admin()).status());
    JsonNode moved = cluster.awaitJob(id, Duration.ofSeconds(40), "to run on the other node",
        j -> j.get("attempt").asInt() == 2 && j.get("state").asText().equals("RUNNING"));
    assertNotEquals(from, moved.get("replicaStatus").get(0).get("node").asText());
    assertEquals(0, moved.get("restarts").asInt());
    DroverCluster.waitUntil(Duration.ofSeconds(15), "the drained replica to stop", () -> !DroverCluster.alive(pid));
    assertTrue(String.join("\n", history(id)).contains("kernel upgrade"));
    JsonNode node = cluster.get("/api/v1/nodes/" + from).body();
    assertTrue(node.get("draining").asBoolean());
    assertEquals(0, node.get("gpusAllocated").asInt());
  }
}
