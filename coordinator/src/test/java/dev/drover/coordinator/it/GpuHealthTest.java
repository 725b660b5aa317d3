package dev.drover.coordinator.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #5's acceptance, end to end: a real coordinator, real agent processes with simulated GPUs and
 * fault injection, faults injected through {@code drover agent inject} (the agent's own CLI).
 */
class GpuHealthTest {
  private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

  @TempDir Path tmp;
  private DroverCluster cluster;

  @AfterEach
  void stop() throws Exception {
    if (cluster != null) cluster.close();
  }

  private String job(String name, int replicas, int gpus) {
    return "name: " + name + "\nreplicas: " + replicas + "\nresources: {gpus: " + gpus + "}\n"
        + "command: [\"/bin/sh\", \"-c\", \"sleep 600\"]\n"
        + "env: {TEST_MARKER: \"" + cluster.marker + "\"}\n"
        + "restartPolicy: {maxRestarts: 2, backoff: 0s}\n"
        + "terminationGracePeriod: 2s\n";
  }

  /** Runs {@code drover agent inject ARGS} against the agent of that node; returns its output. */
  private String inject(String node, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(JAVA, "-cp", System.getProperty("java.class.path"), "dev.drover.agent.AgentMain",
        "inject", "--work-dir", cluster.root.resolve("agents/" + node).toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "inject did not finish");
    assertEquals(0, p.exitValue(), "drover agent inject " + String.join(" ", args) + ":\n" + out);
    return out;
  }

  private JsonNode gpus(String node) throws Exception {
    DroverCluster.Response r = cluster.get("/api/v1/nodes/" + node + "/gpus");
    assertEquals(200, r.status(), r.text());
    return r.body();
  }

  private JsonNode node(String node) throws Exception {
    return cluster.get("/api/v1/nodes/" + node).body();
  }

  private static String events(DroverCluster cluster, String id) throws Exception {
    return cluster.get("/api/v1/jobs/" + id + "/events").text();
  }

  @Test
  void anUnhealthyGpuStopsItsGangWhichRestartsElsewhereAndAMostlyFaultyNodeIsCordonedUntilHealthy() throws Exception {
    cluster = new DroverCluster(tmp.resolve("cluster"), Duration.ofSeconds(10))
        .withCoordinatorSetting("drover.health.gpu-recovery-hold", "2s")
        .withCoordinatorSetting("drover.health.auto-uncordon-hold", "4s")
        .withCoordinatorSetting("drover.agents.telemetry-interval", "1s");
    cluster.startCoordinator();
    cluster.startAgent("n1", 4, "--enable-fault-injection");
    cluster.startAgent("n2", 4, "--enable-fault-injection");
    cluster.awaitNodesReady("n1", "n2");

    // A gang of 2 x 2 GPUs, running.
    String id = cluster.submitOk(job("health-gang", 2, 2));
    JsonNode running = cluster.awaitState(id, "RUNNING", Duration.ofSeconds(60));
    JsonNode rank0 = running.get("replicaStatus").get(0);
    String badNode = rank0.get("node").asText();
    int badGpu = rank0.get("gpus").get(0).asInt();

    // XID 79 on a GPU rank 0 runs on.
    String out = inject(badNode, "--gpu", String.valueOf(badGpu), "--xid", "79");
    assertTrue(out.contains("79"), out);

    // The GPU turns Unhealthy with the XID as the reason, in the API and its history.
    DroverCluster.waitUntil(Duration.ofSeconds(20), "GPU " + badGpu + " of " + badNode + " Unhealthy", () -> {
      JsonNode g = gpus(badNode).get("gpus").get(badGpu);
      return g.get("health").asText().equals("Unhealthy") && !g.get("schedulable").asBoolean();
    });
    JsonNode g = gpus(badNode).get("gpus").get(badGpu);
    assertTrue(g.get("conditions").get(0).get("reason").asText().contains("79"), g.toString());
    assertEquals("Unhealthy", g.get("history").get(g.get("history").size() - 1).get("to").asText(), g.toString());

    // The gang is stopped and restarted as attempt 2, never on the faulty GPU, and the timeline says why.
    JsonNode again = cluster.awaitJob(id, Duration.ofSeconds(60), "to run again as attempt 2",
        j -> j.get("attempt").asInt() >= 2 && j.get("state").asText().equals("RUNNING"));
    for (JsonNode r : again.get("replicaStatus")) {
      boolean onBad = r.get("node").asText().equals(badNode)
          && java.util.stream.StreamSupport.stream(r.get("gpus").spliterator(), false).anyMatch(x -> x.asInt() == badGpu);
      assertFalse(onBad, "replica placed back on the unhealthy GPU: " + again);
    }
    assertEquals(1, again.get("restarts").asInt(), again.toString());
    String timeline = events(cluster, id);
    assertTrue(timeline.contains("GPU " + badGpu) && timeline.contains("on node " + badNode + " became Unhealthy")
        && timeline.contains("XID 79"), timeline);

    // Faults on most GPUs of a node: cordoned automatically, marked as such.
    String other = badNode.equals("n1") ? "n2" : "n1";
    for (int i = 0; i < 3; i++) inject(other, "--gpu", String.valueOf(i), "--xid", "79");
    DroverCluster.waitUntil(Duration.ofSeconds(20), other + " cordoned automatically",
        () -> node(other).get("cordoned").asBoolean() && node(other).get("autoCordoned").asBoolean());
    JsonNode cordoned = node(other);
    assertTrue(cordoned.get("cordonReason").asText().startsWith("3 of 4 GPUs unhealthy"), cordoned.toString());
    assertEquals(3, cordoned.get("gpusUnhealthy").asInt(), cordoned.toString());

    // Clear the faults: the node is uncordoned automatically once healthy for the hold time.
    long cleared = System.nanoTime();
    inject(other, "--clear");
    DroverCluster.waitUntil(Duration.ofSeconds(30), other + " uncordoned automatically",
        () -> !node(other).get("cordoned").asBoolean());
    long heldMillis = (System.nanoTime() - cleared) / 1_000_000;
    assertTrue(heldMillis >= 3_500, "uncordoned after " + heldMillis + " ms, before the 4s hold");
    JsonNode after = gpus(other);
    assertFalse(after.get("autoCordoned").asBoolean());
    List<String> kinds = new ArrayList<>();
    for (JsonNode e : after.get("history")) kinds.add(e.get("kind").asText());
    assertEquals(List.of("AUTO_CORDON", "AUTO_UNCORDON"), kinds, after.toString());
    for (int i = 0; i < 3; i++) assertEquals("Healthy", after.get("gpus").get(i).get("health").asText(), after.toString());

    // An operator's cordon is never lifted automatically.
    DroverCluster.Response c = cluster.request("POST", "/api/v1/nodes/" + other + "/cordon", "application/json",
        "{\"reason\":\"RMA pending\"}".getBytes(StandardCharsets.UTF_8), java.util.Map.of("Authorization", "Bearer " + cluster.token()));
    assertEquals(200, c.status(), c.text());
    inject(other, "--gpu", "0", "--xid", "79");
    inject(other, "--clear");
    Thread.sleep(6_000); // longer than the hold: an automatic uncordon would have happened by now
    JsonNode manual = node(other);
    assertTrue(manual.get("cordoned").asBoolean(), manual.toString());
    assertEquals("RMA pending", manual.get("cordonReason").asText());
  }

  @Test
  void telemetryAndTopologyAreVisible() throws Exception, IOException {
    cluster = new DroverCluster(tmp.resolve("cluster"), Duration.ofSeconds(10))
        .withCoordinatorSetting("drover.agents.telemetry-interval", "1s");
    cluster.startCoordinator();
    cluster.startAgent("n1", 8);
    cluster.awaitNodesReady("n1");
    DroverCluster.waitUntil(Duration.ofSeconds(20), "a few telemetry samples",
        () -> gpus("n1").get("gpus").get(0).get("telemetry").size() >= 3);
    JsonNode d = gpus("n1");
    JsonNode g0 = d.get("gpus").get(0);
    assertEquals("Healthy", g0.get("health").asText());
    assertTrue(g0.get("latest").get("temperatureC").asInt() > 0, g0.toString());
    assertTrue(g0.get("serial").isTextual(), g0.toString());
    assertEquals(28, d.get("topology").size(), "one link per pair of 8 GPUs: " + d);
  }
}
