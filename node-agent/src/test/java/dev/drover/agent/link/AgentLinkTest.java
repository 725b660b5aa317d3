package dev.drover.agent.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.drover.agent.Agent;
import dev.drover.agent.AgentSettings;
import dev.drover.agent.Assignments;
import dev.drover.agent.gpu.GpuBackends;
import dev.drover.agent.process.ProcessTable;
import dev.drover.protocol.Json;
import dev.drover.protocol.agent.CoordinatorMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole agent against a fake coordinator endpoint on a loopback port. */
class AgentLinkTest {
  @TempDir Path workDir;
  FakeCoordinator coordinator;
  Agent agent;

  @BeforeEach
  void setUp() throws Exception {
    coordinator = new FakeCoordinator();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (agent != null) {
      agent.shutdown();
    }
    coordinator.close();
  }

  private Agent startAgent() throws Exception {
    AgentSettings settings = new AgentSettings("node-link", CoordinatorEndpoints.parse(coordinator.url()), Duration.ofSeconds(3), "tok-123", workDir,
        new GpuBackends.Choice("node-link", 2, "NVIDIA H100 80GB HBM3", 80L << 30, null, true),
        Map.of("zone", "a"), 29500, 29999, "10.1.2.3", 16, 64L << 30, 1 << 20, false);
    agent = Agent.start(settings);
    return agent;
  }

  private static JsonNode json(String s) throws Exception {
    return Json.mapper().readTree(s);
  }

  @Test
  void helloWelcomeDesiredLogsAndReconnect() throws Exception {
    startAgent();
    FakeCoordinator.Connection c = coordinator.awaitConnection(10);
    assertEquals("Bearer tok-123", c.headers.get("authorization"));
    JsonNode hello = json(c.await("hello", 10));
    assertEquals("node-link", hello.get("nodeName").asText());
    assertEquals(1, hello.get("protocolVersion").asInt());
    assertEquals("10.1.2.3", hello.get("address").asText());
    assertEquals(2, hello.get("inventory").get("gpus").size());
    assertEquals("a", hello.get("inventory").get("labels").get("zone").asText());
    assertEquals(0, hello.get("replicas").size());

    var replica = Assignments.shell("link-1", List.of(0), "echo hi; sleep 1000");
    String desired = Json.write(new CoordinatorMessage.DesiredState(1, List.of(replica)));
    // Before Welcome, a desired state is not acted on; garbage is ignored.
    c.send(desired, false);
    c.send("{not json", false);
    c.send("{\"type\":\"mystery\"}", false);
    c.send(Json.write(new CoordinatorMessage.Welcome(1, "node-link", 100, 200)), true);
    JsonNode hb = json(c.await("heartbeat", 10));
    assertTrue(hb.get("seq").asLong() >= 1);
    assertTrue(!java.nio.file.Files.exists(workDir.resolve("replicas/link-1")), "desired state before Welcome was acted on");
    c.send(desired, true);
    JsonNode starting = json(c.await("replica", 10));
    assertEquals("STARTING", starting.get("status").get("phase").asText());
    JsonNode running = json(c.await("replica", 10));
    assertEquals("RUNNING", running.get("status").get("phase").asText());
    long pid = running.get("status").get("pid").asLong();
    JsonNode telemetry = json(c.await("telemetry", 10));
    assertEquals(2, telemetry.get("gpus").size());
    // health came right after the Welcome, and comes again with every sixth telemetry sample
    assertTrue(c.received.stream().anyMatch(m -> m.contains("\"type\":\"health\"")) || awaitHealth(c), "health after Welcome");
    JsonNode repeated = json(c.await("health", 10));
    assertEquals("HEALTHY", repeated.get("gpus").get(0).get("status").asText());
    assertEquals(2, repeated.get("gpus").size());

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    String data = "";
    while (!data.equals("hi\n") && System.nanoTime() < deadline) {
      c.send(Json.write(new CoordinatorMessage.LogRequest("q1", "link-1", 0, 1000)), false);
      JsonNode chunk = json(c.await("log", 10));
      assertEquals("q1", chunk.get("requestId").asText());
      data = chunk.get("data").asText();
    }
    assertEquals("hi\n", data);
    c.send(Json.write(new CoordinatorMessage.LogRequest("q2", "nope", 0, 1000)), false);
    assertEquals("unknown allocation nope", json(c.await("log", 10)).get("error").asText());

    // The coordinator dies: the agent reconnects and reports the replica, which keeps running.
    c.drop();
    FakeCoordinator.Connection c2 = coordinator.awaitConnection(10);
    JsonNode hello2 = json(c2.await("hello", 10));
    assertEquals("RUNNING", hello2.get("replicas").get(0).get("phase").asText());
    // the same agent process names itself the same on every connection, so the coordinator lets it take over at once
    String instance = c.headers.get("x-drover-agent-instance");
    assertTrue(instance != null && !instance.isBlank(), "instance header: " + c.headers);
    assertEquals(instance, c2.headers.get("x-drover-agent-instance"));
    assertTrue(ProcessTable.stat(pid).isPresent(), "replica survived the reconnect");
    c2.send(Json.write(new CoordinatorMessage.Welcome(1, "node-link", 100, 200)), false);
    c2.send(Json.write(new CoordinatorMessage.DesiredState(1, List.of())), false);
    JsonNode exited = json(c2.await("replica", 10));
    assertEquals("EXITED", exited.get("status").get("phase").asText());
    assertEquals("STOPPED", exited.get("status").get("termination").asText());
  }

  private static boolean awaitHealth(FakeCoordinator.Connection c) {
    try {
      c.await("health", 10);
      return true;
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void refusedTokenIsFatal() throws Exception {
    coordinator.refuseWithStatus = 401;
    startAgent();
    String reason = agent.fatal().get(10, TimeUnit.SECONDS);
    assertTrue(reason.contains("HTTP 401"), reason);
  }

  @Test
  void protocolRejectIsFatalOtherRejectsRetry() throws Exception {
    startAgent();
    FakeCoordinator.Connection c = coordinator.awaitConnection(10);
    c.await("hello", 10);
    c.send(Json.write(new CoordinatorMessage.Reject("node name node-link is already connected")), false);
    FakeCoordinator.Connection again = coordinator.awaitConnection(10);
    again.await("hello", 10);
    again.send(Json.write(new CoordinatorMessage.Reject("unsupported agent protocol version 1")), false);
    String reason = agent.fatal().get(10, TimeUnit.SECONDS);
    assertTrue(reason.contains("protocol version"), reason);
  }
}
