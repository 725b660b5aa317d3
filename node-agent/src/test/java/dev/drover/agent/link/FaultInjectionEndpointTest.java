package dev.drover.agent.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.drover.agent.Agent;
import dev.drover.agent.AgentSettings;
import dev.drover.agent.FaultInjectionRefusedException;
import dev.drover.agent.faults.FaultInjectionServer;
import dev.drover.agent.faults.FaultInjectionSettings;
import dev.drover.agent.gpu.FakeNvml;
import dev.drover.agent.gpu.GpuBackends;
import dev.drover.protocol.Json;
import dev.drover.protocol.agent.CoordinatorMessage;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The test-only fault-injection endpoint of a whole agent, and its health reaching the coordinator. */
class FaultInjectionEndpointTest {
  @TempDir Path workDir;
  FakeCoordinator coordinator;
  Agent agent;
  final HttpClient http = HttpClient.newHttpClient();
  String base;
  String token;

  @BeforeEach
  void setUp() throws Exception {
    coordinator = new FakeCoordinator();
    agent = Agent.start(settings(new GpuBackends.Choice("node-fi", 4, "NVIDIA H100 80GB HBM3", 80L << 30, null, true)));
    base = "http://127.0.0.1:" + Files.readString(workDir.resolve(FaultInjectionServer.PORT_FILE)).trim();
    token = Files.readString(workDir.resolve(FaultInjectionServer.TOKEN_FILE)).trim();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (agent != null) {
      agent.shutdown();
    }
    coordinator.close();
  }

  private AgentSettings settings(GpuBackends.Choice gpus) {
    return new AgentSettings("node-fi", CoordinatorEndpoints.parse(coordinator.url()), Duration.ofSeconds(3), "tok", workDir,
        gpus, Map.of(), 29500, 29999, "127.0.0.1", 8, 64L << 30, 1 << 20, false)
        .withFaultInjection(new FaultInjectionSettings(true, new InetSocketAddress("127.0.0.1", 0), null));
  }

  private HttpResponse<String> call(String method, String query, String body, String auth) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + FaultInjectionServer.PATH + query)).timeout(Duration.ofSeconds(20));
    if (auth != null) {
      b.header("Authorization", auth);
    }
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> call(String method, String query, String body) throws Exception {
    return call(method, query, body, "Bearer " + token);
  }

  @Test
  void tokenIsRequiredAndPrivate() throws Exception {
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(workDir.resolve(FaultInjectionServer.TOKEN_FILE))));
    for (String auth : new String[] {null, "Bearer wrong", "Bearer " + token + "x", token}) {
      HttpResponse<String> r = call("POST", "", "{\"gpu\":0,\"xid\":79}", auth);
      assertEquals(401, r.statusCode(), String.valueOf(auth));
      assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElse(""));
      assertEquals(401, Json.mapper().readTree(r.body()).get("status").asInt());
    }
    assertEquals("HEALTHY", Json.mapper().readTree(call("GET", "", null).body()).get("health").get("gpus").get(0).get("status").asText(),
        "nothing was injected by the refused requests");
  }

  @Test
  void badInputIsA400NamingTheField() throws Exception {
    String[][] cases = {
      {"{\"gpu\":9,\"xid\":79}", "/gpu"},
      {"{\"gpu\":0,\"fault\":\"MELTDOWN\"}", "/fault"},
      {"{\"gpu\":0,\"xid\":79,\"colour\":\"red\"}", "/colour"},
      {"{\"gpu\":\"zero\",\"xid\":79}", "/gpu"},
      {"{not json", ""},
      {"", ""},
    };
    for (String[] c : cases) {
      HttpResponse<String> r = call("POST", "", c[0]);
      assertEquals(400, r.statusCode(), c[0] + " -> " + r.body());
      JsonNode p = Json.mapper().readTree(r.body());
      assertEquals("Bad Request", p.get("title").asText());
      assertEquals(c[1], p.get("errors").get(0).get("pointer").asText(), r.body());
    }
    HttpResponse<String> q = call("DELETE", "?gpu=12", null);
    assertEquals(400, q.statusCode());
    assertEquals("gpu", Json.mapper().readTree(q.body()).get("errors").get(0).get("pointer").asText());
    assertEquals(405, call("PUT", "", "{}").statusCode());
    assertEquals(404, http.send(HttpRequest.newBuilder(URI.create(base + "/other")).header("Authorization", "Bearer " + token).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode());
  }

  @Test
  void injectedXidReachesTheCoordinatorAndClearsWithAReset() throws Exception {
    FakeCoordinator.Connection c = coordinator.awaitConnection(10);
    c.await("hello", 10);
    c.send(Json.write(new CoordinatorMessage.Welcome(1, "node-fi", 1000, 60_000)), false);
    JsonNode first = Json.mapper().readTree(c.await("health", 10));
    assertEquals("HEALTHY", first.get("gpus").get(3).get("status").asText(), "health right after the Welcome");

    HttpResponse<String> r = call("POST", "", "{\"gpu\":3,\"xid\":79}");
    assertEquals(200, r.statusCode(), r.body());
    JsonNode state = Json.mapper().readTree(r.body());
    assertEquals("UNHEALTHY", state.get("health").get("gpus").get(3).get("status").asText(), "the answer has the new health");
    assertEquals("XID", state.get("injected").get(0).get("kind").asText());
    assertEquals(79, state.get("recentXids").get(0).get("xid").asInt());

    // the telemetry interval is a minute: this Health was sent because of the change
    JsonNode pushed = Json.mapper().readTree(c.await("health", 10));
    JsonNode gpu3 = pushed.get("gpus").get(3);
    assertEquals("UNHEALTHY", gpu3.get("status").asText());
    assertEquals(agent.health().current().gpus().get(3).uuid(), gpu3.get("uuid").asText());
    JsonNode cond = gpu3.get("conditions").get(0);
    assertEquals("XID", cond.get("code").asText());
    assertEquals(79, cond.get("xid").asInt());
    assertEquals("XID 79: GPU has fallen off the bus", cond.get("reason").asText());

    assertEquals(200, call("POST", "", "{\"node\":\"NVML_FAILURE\"}").statusCode());
    JsonNode node = Json.mapper().readTree(c.await("health", 10));
    assertEquals("NVML_FAILURE", node.get("node").get(0).get("code").asText());

    HttpResponse<String> cleared = call("DELETE", "?gpu=3", null);
    assertEquals(200, cleared.statusCode());
    JsonNode after = Json.mapper().readTree(cleared.body());
    assertEquals("HEALTHY", after.get("health").get("gpus").get(3).get("status").asText());
    assertEquals(1, after.get("injected").size(), "the node fault stays");
    assertEquals("HEALTHY", Json.mapper().readTree(c.await("health", 10)).get("gpus").get(3).get("status").asText());
    JsonNode all = Json.mapper().readTree(call("DELETE", "", null).body());
    assertEquals(0, all.get("health").get("node").size());
    assertEquals(0, all.get("injected").size());
  }

  @Test
  void everyFaultKindThroughTheEndpoint() throws Exception {
    String[][] cases = {
      {"{\"gpu\":0,\"fault\":\"ECC_DBE\",\"count\":2}", "ECC_DBE", "UNHEALTHY"},
      {"{\"gpu\":0,\"fault\":\"ECC_SBE\",\"count\":5000}", "ECC_SBE", "DEGRADED"},
      {"{\"gpu\":0,\"fault\":\"RETIRED_PAGES_PENDING\"}", "RETIRED_PAGES_PENDING", "DEGRADED"},
      {"{\"gpu\":0,\"fault\":\"ROW_REMAP_PENDING\"}", "ROW_REMAP_PENDING", "DEGRADED"},
      {"{\"gpu\":0,\"fault\":\"ROW_REMAP_FAILURE\"}", "ROW_REMAP_FAILURE", "UNHEALTHY"},
      {"{\"gpu\":0,\"fault\":\"TEMPERATURE\",\"value\":88}", "THERMAL_SLOWDOWN", "DEGRADED"},
      {"{\"gpu\":0,\"fault\":\"TEMPERATURE\",\"value\":95}", "THERMAL_SHUTDOWN", "UNHEALTHY"},
      {"{\"gpu\":0,\"fault\":\"PCIE_REPLAY\",\"count\":500}", "PCIE_REPLAY", "DEGRADED"},
      {"{\"gpu\":0,\"fault\":\"NVLINK_ERRORS\",\"count\":3}", "NVLINK_ERRORS", "DEGRADED"},
      {"{\"gpu\":0,\"fault\":\"GPU_LOST\"}", "GPU_LOST", "UNHEALTHY"},
      {"{\"gpu\":0,\"xid\":94}", "XID", "DEGRADED"},
      {"{\"gpu\":0,\"xid\":13}", null, "HEALTHY"},
    };
    for (String[] c : cases) {
      JsonNode gpu0 = Json.mapper().readTree(call("POST", "", c[0]).body()).get("health").get("gpus").get(0);
      assertEquals(c[2], gpu0.get("status").asText(), c[0]);
      if (c[1] != null) {
        assertEquals(c[1], gpu0.get("conditions").get(0).get("code").asText(), c[0]);
      }
      assertEquals("HEALTHY", Json.mapper().readTree(call("DELETE", "?gpu=0", null).body()).get("health").get("gpus").get(0)
          .get("status").asText(), "cleared after " + c[0]);
    }
  }

  @Test
  void theEndpointGoesAwayWithTheAgentAndRefusesRealGpus() throws Exception {
    agent.shutdown();
    agent = null;
    assertFalse(Files.exists(workDir.resolve(FaultInjectionServer.PORT_FILE)), "port file removed on shutdown");
    Path fake = FakeNvml.library();
    if (fake != null) {
      FaultInjectionRefusedException e = assertThrows(FaultInjectionRefusedException.class, () -> Agent.start(settings(
          new GpuBackends.Choice("node-fi", null, "x", 1, fake.toString(), false))));
      assertTrue(e.getMessage().contains("--enable-fault-injection needs simulated GPUs"), e.getMessage());
    }
  }
}
