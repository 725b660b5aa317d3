package dev.drover.coordinator.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.drover.coordinator.api.ApiRoutes;
import dev.drover.protocol.Json;
import dev.drover.protocol.agent.CoordinatorMessage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The OpenAPI document matches the real routes, and the agent endpoint refuses what is out of protocol. */
class ApiContractTest {
  @TempDir static Path tmp;
  private static DroverCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = new DroverCluster(tmp, Duration.ofSeconds(10));
    cluster.startCoordinator();
    cluster.startAgent("n1", 2);
    cluster.awaitNodesReady("n1");
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
  }

  @Test
  void openApiDocumentsExactlyTheServedEndpoints() throws Exception {
    DroverCluster.Response r = cluster.request("GET", "/api/v1/openapi.json", null, null, Map.of());
    assertEquals(200, r.status());
    JsonNode doc = r.body();
    assertEquals("3.0.3", doc.get("openapi").asText());
    Set<String> documented = new TreeSet<>();
    for (Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields(); paths.hasNext(); ) {
      var p = paths.next();
      for (Iterator<String> methods = p.getValue().fieldNames(); methods.hasNext(); ) {
        documented.add(methods.next().toUpperCase() + " " + p.getKey());
      }
    }
    assertEquals(new TreeSet<>(ApiRoutes.ENDPOINTS), documented);

    // Each documented endpoint is answered by a real route, never "no such endpoint" or 405.
    String id = cluster.submitOk("name: probe\ncommand: [\"true\"]\n");
    cluster.awaitState(id, "SUCCEEDED", Duration.ofSeconds(30));
    Map<String, String> auth = Map.of("Authorization", "Bearer " + cluster.token());
    for (String endpoint : documented) {
      String method = endpoint.substring(0, endpoint.indexOf(' '));
      String path = endpoint.substring(endpoint.indexOf(' ') + 1).replace("{id}", id).replace("{name}", "n1");
      byte[] body = method.equals("POST") && path.endsWith("/jobs") ? "name: doc\ncommand: [\"true\"]\n".getBytes() : null;
      DroverCluster.Response res = cluster.request(method, path, body == null ? null : "application/yaml", body, auth);
      assertTrue(res.status() != 405 && !res.text().contains("no such endpoint"), endpoint + " -> " + res.status() + " " + res.text());
      assertTrue(res.status() < 500, endpoint + " -> " + res.status() + " " + res.text());
    }
  }

  /** A raw agent link for protocol tests. */
  private static final class RawAgent implements WebSocket.Listener {
    final LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        received.add(partial.toString());
        partial.setLength(0);
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
      closed.complete(status);
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      closed.complete(-1);
    }
  }

  private static WebSocket connect(RawAgent listener) throws Exception {
    String join = Files.readString(cluster.dataDir().resolve("join-token")).trim();
    return HttpClient.newHttpClient().newWebSocketBuilder()
        .header("Authorization", "Bearer " + join)
        .buildAsync(URI.create("ws://127.0.0.1:" + cluster.port + "/agent/v1/stream"), listener)
        .get(10, TimeUnit.SECONDS);
  }

  @Test
  void agentLinkRejectsGarbageAndOutOfProtocolMessagesWithoutFallingOver() throws Exception {
    RawAgent agent = new RawAgent();
    WebSocket ws = connect(agent);
    ws.sendText("this is not json", true).get(5, TimeUnit.SECONDS);
    ws.sendText("{\"type\":\"teleport\"}", true).get(5, TimeUnit.SECONDS);
    ws.sendText("{\"type\":\"heartbeat\",\"seq\":1,\"sentAt\":\"2026-01-01T00:00:00Z\"}", true).get(5, TimeUnit.SECONDS);
    String reply = agent.received.poll(10, TimeUnit.SECONDS);
    CoordinatorMessage m = Json.mapper().readValue(reply, CoordinatorMessage.class);
    assertTrue(m instanceof CoordinatorMessage.Reject r && r.reason().contains("first message must be hello"), reply);
    agent.closed.get(10, TimeUnit.SECONDS);

    RawAgent old = new RawAgent();
    WebSocket ws2 = connect(old);
    ws2.sendText("{\"type\":\"hello\",\"protocolVersion\":99,\"nodeName\":\"x\",\"agentVersion\":\"9\",\"address\":\"127.0.0.1\","
        + "\"inventory\":{\"backend\":\"simulated\",\"driverVersion\":\"-\",\"gpus\":[],\"cpus\":1,\"memoryBytes\":1,\"labels\":{},"
        + "\"portRangeStart\":1000,\"portRangeEnd\":1001},\"replicas\":[]}", true).get(5, TimeUnit.SECONDS);
    String refused = old.received.poll(10, TimeUnit.SECONDS);
    assertTrue(refused != null && refused.contains("protocol version 99 is not supported"), refused);

    // The coordinator and the real agent are unaffected.
    assertEquals(200, cluster.request("GET", "/readyz", null, null, Map.of()).status());
    JsonNode node = cluster.get("/api/v1/nodes/n1").body();
    assertEquals("Ready", node.get("status").asText());
    List<String> names = new ArrayList<>();
    for (JsonNode n : cluster.get("/api/v1/nodes").body().get("items")) names.add(n.get("name").asText());
    assertFalse(names.contains("x"), "a refused agent registers nothing");
  }

  @Test
  void nodeEndpointsShowInventoryAndCordonRoundTrips() throws Exception {
    Map<String, String> auth = Map.of("Authorization", "Bearer " + cluster.token());
    JsonNode node = cluster.get("/api/v1/nodes/n1").body();
    assertEquals(2, node.get("gpuCount").asInt());
    assertEquals("simulated", node.get("backend").asText());
    assertTrue(node.get("gpus").get(0).get("uuid").asText().startsWith("GPU-"));
    DroverCluster.Response c = cluster.request("POST", "/api/v1/nodes/n1/cordon", "application/json",
        "{\"reason\":\"fan noise\"}".getBytes(), auth);
    assertEquals(200, c.status(), c.text());
    assertTrue(c.body().get("cordoned").asBoolean());
    assertEquals("fan noise", c.body().get("cordonReason").asText());
    DroverCluster.Response bad = cluster.request("POST", "/api/v1/nodes/n1/cordon", "application/json",
        "{\"reasn\":\"x\"}".getBytes(), auth);
    assertEquals(400, bad.status());
    assertEquals("/reasn", bad.body().get("errors").get(0).get("pointer").asText());
    DroverCluster.Response u = cluster.request("POST", "/api/v1/nodes/n1/uncordon", null, null, auth);
    assertFalse(u.body().get("cordoned").asBoolean());
  }
}
