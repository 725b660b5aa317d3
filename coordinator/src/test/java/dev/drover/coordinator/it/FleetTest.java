package dev.drover.coordinator.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code drover-node-agent fleet} against a real standalone coordinator: twenty agents in one JVM
 * register and stay Ready, jobs run as real processes on fleet nodes, and a SIGTERM of the fleet
 * stops every replica it started.
 */
class FleetTest {
  private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
  private static final int AGENTS = 20;

  @TempDir Path tmp;
  private DroverCluster cluster;
  private Process fleet;

  @AfterEach
  void stop() throws Exception {
    if (fleet != null) {
      fleet.descendants().forEach(ProcessHandle::destroyForcibly);
      fleet.destroyForcibly();
      fleet.waitFor();
    }
    if (cluster != null) cluster.close();
  }

  @Test
  void twentyAgentsInOneJvmRegisterRunJobsAndStopTheirReplicasOnSigterm() throws Exception {
    cluster = new DroverCluster(tmp.resolve("cluster"), Duration.ofSeconds(10));
    cluster.startCoordinator();
    ProcessBuilder pb = new ProcessBuilder(JAVA, "-Xmx256m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
        "dev.drover.agent.AgentMain", "fleet", "--count", String.valueOf(AGENTS), "--gpus", "2", "--name-prefix", "fl-",
        "--coordinator", cluster.url(), "--join-token-file", cluster.dataDir().resolve("join-token").toString(),
        "--work-dir", tmp.resolve("fleet").toString(), "--stagger", "10ms", "--lanes", "3");
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(cluster.root.resolve("logs/fleet.log").toFile()));
    fleet = pb.start();

    String[] names = new String[AGENTS];
    for (int i = 0; i < AGENTS; i++) names[i] = "fl-" + (i + 1);
    try {
      cluster.awaitNodesReady(names);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "\nfleet log:\n" + cluster.tail("fleet.log") + "\nnodes: "
          + cluster.get("/api/v1/nodes").text(), e);
    }
    JsonNode nodes = cluster.get("/api/v1/nodes").body();
    Set<String> gpuUuids = new HashSet<>();
    for (JsonNode n : nodes.get("items")) {
      assertEquals(2, n.get("gpus").size(), n.toString());
      n.get("gpus").forEach(g -> gpuUuids.add(g.get("uuid").asText()));
    }
    assertEquals(2 * AGENTS, gpuUuids.size(), "each fleet node has GPUs of its own");

    String quick = cluster.submitOk("name: quick\ncommand: [\"true\"]\n");
    cluster.awaitState(quick, "SUCCEEDED", Duration.ofSeconds(60));

    // A gang of two whole nodes runs on two fleet nodes as children of the fleet's JVM.
    String gang = cluster.submitOk("name: gang\nreplicas: 2\nresources:\n  gpus: 2\nenv:\n  TEST_MARKER: " + cluster.marker
        + "\ncommand: [\"sleep\", \"300\"]\n");
    JsonNode running = cluster.awaitState(gang, "RUNNING", Duration.ofSeconds(60));
    Set<String> on = new HashSet<>();
    running.get("replicaStatus").forEach(r -> on.add(r.get("node").asText()));
    assertEquals(2, on.size(), running.toString());
    assertTrue(on.stream().allMatch(n -> n.startsWith("fl-")), running.toString());
    DroverCluster.waitUntil(Duration.ofSeconds(20), "both replicas' processes", () -> cluster.markedProcesses().size() == 2);
    List<Long> children = new ArrayList<>();
    fleet.descendants().forEach(p -> children.add(p.pid()));
    assertTrue(children.containsAll(cluster.markedProcesses()), "replicas are the fleet's children: " + children);

    // The agents stay connected: still Ready after several heartbeat and telemetry intervals.
    Thread.sleep(6_000);
    cluster.awaitNodesReady(names);
    assertTrue(fleet.isAlive());

    fleet.destroy();
    assertTrue(fleet.waitFor(60, TimeUnit.SECONDS), "the fleet exits on SIGTERM");
    DroverCluster.waitUntil(Duration.ofSeconds(10), "no replica left", () -> cluster.markedProcesses().isEmpty());
    assertTrue(fleet.descendants().findAny().isEmpty(), "no process of the fleet is left");
  }
}
