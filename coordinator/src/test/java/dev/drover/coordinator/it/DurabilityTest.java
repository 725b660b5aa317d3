package dev.drover.coordinator.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Crash tests with real processes: kill -9 of the coordinator and of agents, cancels at every stage. */
class DurabilityTest {
  @TempDir Path tmp;
  private DroverCluster cluster;

  @AfterEach
  void stop() throws Exception {
    if (cluster != null) cluster.close();
  }

  private String job(String name, int replicas, int gpus, String script, int maxRestarts, String grace) {
    return "name: " + name + "\nreplicas: " + replicas + "\nresources: {gpus: " + gpus + "}\n"
        + "command: [\"/bin/sh\", \"-c\", " + com.fasterxml.jackson.databind.node.TextNode.valueOf(script) + "]\n"
        + "env: {TEST_MARKER: \"" + cluster.marker + "\"}\n"
        + "restartPolicy: {maxRestarts: " + maxRestarts + ", backoff: 0s}\n"
        + "terminationGracePeriod: " + grace + "\n";
  }

  private static List<Long> pids(JsonNode job) {
    List<Long> pids = new ArrayList<>();
    for (JsonNode r : job.get("replicaStatus")) pids.add(r.get("pid").asLong());
    return pids;
  }

  private List<String> history(String id) throws Exception {
    List<String> types = new ArrayList<>();
    for (JsonNode e : cluster.get("/api/v1/jobs/" + id + "/events").body().get("events")) types.add(e.get("type").asText());
    return types;
  }

  @Test
  void coordinatorKilledWhileReplicasRunLosesNothingAndKillsNoWork() throws Exception {
    cluster = new DroverCluster(tmp, Duration.ofSeconds(10));
    cluster.startCoordinator();
    cluster.startAgent("n1", 8);
    cluster.awaitNodesReady("n1");
    String longJob = cluster.submitOk(job("long", 2, 2, "sleep 600", 0, "5s"));
    String shortJob = cluster.submitOk(job("short", 2, 1, "sleep 6; echo done-$RANK", 0, "5s"));
    List<Long> longPids = pids(cluster.awaitState(longJob, "RUNNING", Duration.ofSeconds(30)));
    List<Long> shortPids = pids(cluster.awaitState(shortJob, "RUNNING", Duration.ofSeconds(30)));

    cluster.killCoordinator();
    // While the coordinator is down the short job's replicas finish on the agent.
    DroverCluster.waitUntil(Duration.ofSeconds(30), "short replicas to exit",
        () -> shortPids.stream().noneMatch(DroverCluster::alive));
    cluster.startCoordinator();

    JsonNode running = cluster.awaitState(longJob, "RUNNING", Duration.ofSeconds(30));
    assertEquals(longPids, pids(running), "the running replicas were re-adopted, not restarted");
    for (long pid : longPids) assertTrue(DroverCluster.alive(pid), "replica " + pid + " survived the coordinator crash");
    assertEquals(1, running.get("attempt").asInt());

    JsonNode done = cluster.awaitState(shortJob, "SUCCEEDED", Duration.ofSeconds(30));
    assertEquals(1, done.get("attempt").asInt());
    assertEquals(List.of("JobSubmitted", "JobScheduled", "ReplicaStarted", "ReplicaStarted", "ReplicaExited", "ReplicaExited",
        "JobSucceeded"), history(shortJob).subList(0, 7));
    assertEquals(2, cluster.get("/api/v1/jobs").body().get("items").size(), "every accepted job is listed after the crash");

    assertEquals(202, cluster.request("DELETE", "/api/v1/jobs/" + longJob, null, null,
        java.util.Map.of("Authorization", "Bearer " + cluster.token())).status());
    cluster.awaitState(longJob, "CANCELLED", Duration.ofSeconds(30));
    DroverCluster.waitUntil(Duration.ofSeconds(15), "no replica left", () -> cluster.markedProcesses().isEmpty());
  }

  @Test
  void agentKilledMakesItsNodeNotReadyAndTheGangRestartsElsewhere() throws Exception {
    cluster = new DroverCluster(tmp, Duration.ofSeconds(3));
    cluster.startCoordinator();
    cluster.startAgent("n1", 4);
    cluster.startAgent("n2", 4);
    cluster.awaitNodesReady("n1", "n2");
    String id = cluster.submitOk(job("resilient", 1, 4, "sleep 600", 1, "2s"));
    JsonNode first = cluster.awaitState(id, "RUNNING", Duration.ofSeconds(30));
    String lostNode = first.get("replicaStatus").get(0).get("node").asText();
    long lostPid = first.get("replicaStatus").get(0).get("pid").asLong();

    cluster.killAgent(lostNode);
    JsonNode second = cluster.awaitJob(id, Duration.ofSeconds(40), "to run again on the other node",
        j -> j.get("attempt").asInt() == 2 && j.get("state").asText().equals("RUNNING"));
    String newNode = second.get("replicaStatus").get(0).get("node").asText();
    assertNotEquals(lostNode, newNode);
    assertEquals(1, second.get("restarts").asInt());
    JsonNode node = cluster.get("/api/v1/nodes/" + lostNode).body();
    assertEquals("NotReady", node.get("status").asText());
    assertTrue(history(id).contains("JobRequeued"));

    // The replica orphaned on the dead agent's node is stopped when that agent comes back.
    cluster.startAgent(lostNode, 4);
    cluster.awaitNodesReady(lostNode);
    DroverCluster.waitUntil(Duration.ofSeconds(30), "the orphan " + lostPid + " to be stopped", () -> !DroverCluster.alive(lostPid));
    long newPid = second.get("replicaStatus").get(0).get("pid").asLong();
    assertTrue(DroverCluster.alive(newPid), "the restarted replica keeps running");
  }

  @Test
  void replicaFailureRestartsTheGangUntilTheLimitThenFailsWithTheReason() throws Exception {
    cluster = new DroverCluster(tmp, Duration.ofSeconds(10));
    cluster.startCoordinator();
    cluster.startAgent("n1", 8);
    cluster.awaitNodesReady("n1");
    String id = cluster.submitOk(job("flaky", 2, 1, "if [ \"$RANK\" = 1 ]; then sleep 1; exit 3; fi; sleep 600", 1, "2s"));
    JsonNode failed = cluster.awaitState(id, "FAILED", Duration.ofSeconds(60));
    assertEquals(2, failed.get("attempt").asInt());
    assertTrue(failed.get("message").asText().contains("replica 1 on n1 exited with code 3"), failed.toString());
    assertTrue(failed.get("message").asText().contains("after 1 restart"), failed.toString());
    DroverCluster.waitUntil(Duration.ofSeconds(15), "rank 0 of the failed gang stopped", () -> cluster.markedProcesses().isEmpty());
  }

  @Test
  void cancelWhilePendingStartingOrRunningLeavesNoOrphan() throws Exception {
    cluster = new DroverCluster(tmp, Duration.ofSeconds(10));
    cluster.startCoordinator();
    cluster.startAgent("n1", 8);
    cluster.awaitNodesReady("n1");
    var auth = java.util.Map.of("Authorization", "Bearer " + cluster.token());

    // Pending: the node is cordoned, so the job waits with a reason.
    assertEquals(200, cluster.request("POST", "/api/v1/nodes/n1/cordon", null, null, auth).status());
    String pending = cluster.submitOk(job("waits", 1, 1, "sleep 600", 0, "1s"));
    JsonNode p = cluster.awaitJob(pending, Duration.ofSeconds(10), "to have a reason",
        j -> j.hasNonNull("pendingReason") && j.get("pendingReason").asText().contains("cordoned"));
    assertEquals("PENDING", p.get("state").asText());
    assertEquals(202, cluster.request("DELETE", "/api/v1/jobs/" + pending, null, null, auth).status());
    cluster.awaitState(pending, "CANCELLED", Duration.ofSeconds(10));
    assertEquals(200, cluster.request("POST", "/api/v1/nodes/n1/uncordon", null, null, auth).status());

    // Starting: cancelled right after submit, while it is being placed and started.
    String starting = cluster.submitOk(job("racer", 2, 1, "sleep 600", 0, "1s"));
    assertEquals(202, cluster.request("DELETE", "/api/v1/jobs/" + starting, null, null, auth).status());
    cluster.awaitState(starting, "CANCELLED", Duration.ofSeconds(30));

    // Running: a process tree whose members ignore SIGTERM gets SIGKILL after the grace period.
    String tree = "trap '' TERM; (trap '' TERM; sleep 600) & (sleep 600 &) ; sleep 600";
    String running = cluster.submitOk(job("tree", 1, 1, tree, 0, "1s"));
    cluster.awaitState(running, "RUNNING", Duration.ofSeconds(30));
    DroverCluster.waitUntil(Duration.ofSeconds(10), "the tree to spawn", () -> cluster.markedProcesses().size() >= 3);
    assertEquals(202, cluster.request("DELETE", "/api/v1/jobs/" + running, null, null, auth).status());
    JsonNode cancelled = cluster.awaitState(running, "CANCELLED", Duration.ofSeconds(30));
    assertTrue(cancelled.get("message").asText().contains("cancelled by admin"));

    DroverCluster.waitUntil(Duration.ofSeconds(15), "no orphan of any cancelled job", () -> cluster.markedProcesses().isEmpty());
    assertEquals(409, cluster.request("DELETE", "/api/v1/jobs/" + running, null, null, auth).status());
  }
}
