package dev.drover.agent.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.drover.agent.Agent;
import dev.drover.agent.AgentSettings;
import dev.drover.agent.Assignments;
import dev.drover.agent.Await;
import dev.drover.agent.gpu.GpuBackends;
import dev.drover.agent.process.ProcessTable;
import dev.drover.agent.reconcile.StateStore;
import dev.drover.protocol.Json;
import dev.drover.protocol.agent.CoordinatorMessage;
import dev.drover.protocol.agent.ReplicaAssignment;
import dev.drover.protocol.agent.ReplicaPhase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole agent against two or more fake coordinators: a silent one is left for the next, a
 * closed port is skipped at once, and the replicas run on across the failover, reported in full by
 * the next Hello.
 */
class CoordinatorFailoverTest {
  private static final Duration SILENCE = Duration.ofSeconds(3);
  private static final String NODE = "node-fo";

  @TempDir Path workDir;
  final List<FakeCoordinator> coordinators = new ArrayList<>();
  Agent agent;

  @AfterEach
  void tearDown() throws Exception {
    if (agent != null) {
      agent.shutdown();
    }
    for (FakeCoordinator c : coordinators) {
      c.close();
    }
  }

  private FakeCoordinator coordinator() throws Exception {
    FakeCoordinator c = new FakeCoordinator();
    coordinators.add(c);
    return c;
  }

  private void startAgent(Duration silence, String... urls) throws Exception {
    AgentSettings settings = new AgentSettings(NODE, CoordinatorEndpoints.parse(String.join(",", urls)), silence, "tok",
        workDir, new GpuBackends.Choice(NODE, 2, "NVIDIA H100 80GB HBM3", 80L << 30, null, true),
        Map.of(), 29500, 29999, "10.1.2.3", 16, 64L << 30, 1 << 20, false);
    agent = Agent.start(settings);
  }

  private static JsonNode json(String s) throws Exception {
    return Json.mapper().readTree(s);
  }

  private static void welcome(FakeCoordinator.Connection c, ReplicaAssignment... replicas) throws Exception {
    c.send(Json.write(new CoordinatorMessage.Welcome(1, NODE, 1_000, 5_000)), false);
    c.send(Json.write(new CoordinatorMessage.DesiredState(1, List.of(replicas))), false);
  }

  /** Waits for the replica's RUNNING update on this connection and returns its pid. */
  private static long awaitRunning(FakeCoordinator.Connection c, String allocationId) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      JsonNode status = json(c.await("replica", 10)).get("status");
      if (status.get("allocationId").asText().equals(allocationId) && status.get("phase").asText().equals("RUNNING")) {
        return status.get("pid").asLong();
      }
    }
    throw new AssertionError(allocationId + " did not report RUNNING");
  }

  private static JsonNode replica(JsonNode hello, String allocationId) {
    for (JsonNode r : hello.get("replicas")) {
      if (r.get("allocationId").asText().equals(allocationId)) {
        return r;
      }
    }
    throw new AssertionError("hello does not list " + allocationId + ": " + hello);
  }

  @Test
  void aSilentCoordinatorIsLeftForTheNextAndTheReplicaRunsOn() throws Exception {
    FakeCoordinator first = coordinator();
    FakeCoordinator second = coordinator();
    startAgent(SILENCE, first.url(), second.url());
    FakeCoordinator.Connection a = first.awaitConnection(10);
    a.await("hello", 10);
    ReplicaAssignment job = Assignments.shell("fo-1", List.of(0), "sleep 1000");
    welcome(a, job);
    long pid = awaitRunning(a, "fo-1");

    // A coordinator that says nothing but answers pings is kept well past the silence timeout.
    for (int i = 0; i < 5; i++) {
      a.await("heartbeat", 10);
    }
    assertTrue(second.connections.isEmpty(), "the agent left a coordinator that only answered pings");
    assertTrue(a.pings.get() >= 5, "pings: " + a.pings.get());

    long silencedAt = System.nanoTime();
    a.silence();
    FakeCoordinator.Connection b = second.awaitConnection(15);
    JsonNode hello = json(b.await("hello", 10));
    long failoverMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - silencedAt);
    System.out.println("failover from a silent coordinator to the next took " + failoverMillis + " ms (silence timeout "
        + SILENCE.toMillis() + " ms)");
    // the last pong may have come up to one ping interval before the silence began
    assertTrue(failoverMillis >= SILENCE.toMillis() - SILENCE.toMillis() / CoordinatorLink.PINGS_PER_TIMEOUT - 100,
        "failed over too early: " + failoverMillis);
    assertTrue(failoverMillis < SILENCE.toMillis() + 3_000, "failed over too late: " + failoverMillis);
    Await.until(() -> a.ended, "the agent to drop the silent link");

    JsonNode reported = replica(hello, "fo-1");
    assertEquals("RUNNING", reported.get("phase").asText());
    assertEquals(pid, reported.get("pid").asLong());

    // The new coordinator wants the same replica: it is the same process, neither restarted nor stopped.
    welcome(b, job);
    for (int i = 0; i < 2; i++) {
      b.await("heartbeat", 10);
    }
    for (String m : b.received) {
      assertFalse(m.contains("\"type\":\"replica\""), "the replica changed after the failover: " + m);
    }
    assertTrue(ProcessTable.stat(pid).isPresent(), "replica process " + pid + " survived the failover");
  }

  @Test
  void aClosedPortIsSkippedAtOnce() throws Exception {
    FakeCoordinator second = coordinator();
    // a long silence timeout: skipping the closed port must not wait for it
    long started = System.nanoTime();
    startAgent(Duration.ofSeconds(20), FakeCoordinator.closedPortUrl(), second.url());
    FakeCoordinator.Connection b = second.awaitConnection(10);
    b.await("hello", 10);
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    System.out.println("connected past a closed port in " + millis + " ms");
    assertTrue(millis < 3_000, "took " + millis + " ms");
  }

  @Test
  void replicasThatEndWhileDisconnectedAreReportedWithTheirExitCodes() throws Exception {
    FakeCoordinator first = coordinator();
    FakeCoordinator second = coordinator();
    second.refuseWithStatus = 503;
    startAgent(SILENCE, first.url(), second.url());
    FakeCoordinator.Connection a = first.awaitConnection(10);
    a.await("hello", 10);
    Path go = workDir.resolve("go");
    welcome(a, Assignments.shell("fo-long", List.of(0), "sleep 1000"),
        Assignments.shell("fo-exit", List.of(1), "while [ ! -f '" + go + "' ]; do sleep 0.05; done; exit 7"));
    long longPid = awaitRunning(a, "fo-long");
    awaitRunning(a, "fo-exit");

    // Both coordinators are gone: the agent keeps trying while the replicas go on by themselves.
    first.refuseWithStatus = 503;
    a.drop();
    java.nio.file.Files.createFile(go);
    StateStore state = new StateStore(workDir);
    Await.until(() -> state.load().replicas().stream()
        .anyMatch(r -> r.status().allocationId().equals("fo-exit") && r.status().phase() == ReplicaPhase.EXITED),
        "fo-exit to exit while the agent is disconnected");
    assertEquals(0, second.connections.size() + first.connections.size(), "no connection was accepted meanwhile");

    second.refuseWithStatus = 0;
    JsonNode hello = json(second.awaitConnection(15).await("hello", 10));
    JsonNode exited = replica(hello, "fo-exit");
    assertEquals("EXITED", exited.get("phase").asText());
    assertEquals(7, exited.get("exitCode").asInt());
    assertEquals("COMPLETED", exited.get("termination").asText());
    JsonNode running = replica(hello, "fo-long");
    assertEquals("RUNNING", running.get("phase").asText());
    assertEquals(longPid, running.get("pid").asLong());
    assertTrue(ProcessTable.stat(longPid).isPresent(), "nothing is stopped while the agent is disconnected");
  }

  @Test
  void aCoordinatorThatRejectsAsAlreadyConnectedIsRetriedBeforeTheNext() throws Exception {
    FakeCoordinator first = coordinator();
    FakeCoordinator second = coordinator();
    startAgent(SILENCE, first.url(), second.url());
    FakeCoordinator.Connection a = first.awaitConnection(10);
    a.await("hello", 10);
    a.send(Json.write(new CoordinatorMessage.Reject("node name " + NODE
        + " is already connected from 10.1.2.3 (heard from 2500 ms ago); is another agent using the same --name?")), false);
    FakeCoordinator.Connection again = first.awaitConnection(10);
    again.await("hello", 10);
    assertTrue(second.connections.isEmpty(), "went to the next coordinator instead of retrying the one that answered");
  }

  @Test
  void aCoordinatorThatNeverWelcomesIsLeft() throws Exception {
    FakeCoordinator first = coordinator();
    FakeCoordinator second = coordinator();
    startAgent(SILENCE, first.url(), second.url());
    first.awaitConnection(10).await("hello", 10);
    // it answers pings but sends no Welcome: given up after 10 s
    second.awaitConnection(20).await("hello", 10);
  }
}
