package dev.drover.coordinator.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Queues and priority classes through the real API: admin-only changes, validation, usage, submit checks. */
class QueueApiTest {
  @TempDir static Path tmp;
  private static DroverCluster cluster;
  private static Map<String, String> admin;
  private static final Map<String, String> USER = Map.of("Authorization", "Bearer user-token-0123456789abcdef");

  @BeforeAll
  static void start() throws Exception {
    cluster = new DroverCluster(tmp, Duration.ofSeconds(10));
    Files.createDirectories(cluster.dataDir());
    Files.writeString(cluster.dataDir().resolve("tokens.json"), """
        {"tokens":[
          {"name":"admin","role":"admin","token":"admin-token-0123456789abcdef"},
          {"name":"alice","role":"user","token":"user-token-0123456789abcdef"}]}
        """);
    cluster.startCoordinator();
    cluster.startAgent("n1", 8);
    cluster.awaitNodesReady("n1");
    admin = Map.of("Authorization", "Bearer " + cluster.token());
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
  }

  private static DroverCluster.Response send(String method, String path, String json, Map<String, String> auth) throws Exception {
    return cluster.request(method, path, json == null ? null : "application/json",
        json == null ? null : json.getBytes(StandardCharsets.UTF_8), auth);
  }

  @Test
  void queuesAreCreatedListedUpdatedAndDeletedByAdminsOnly() throws Exception {
    DroverCluster.Response created = send("POST", "/api/v1/queues",
        "{\"name\":\"research\",\"guaranteedGpus\":6,\"weight\":2,\"borrowLimitGpus\":2}", admin);
    assertEquals(201, created.status(), created.text());
    assertEquals(6, created.body().get("guaranteedGpus").asInt());
    assertEquals(201, send("POST", "/api/v1/queues", "{\"name\":\"vision\",\"parent\":\"research\",\"guaranteedGpus\":4}", admin).status());

    DroverCluster.Response forbidden = send("POST", "/api/v1/queues", "{\"name\":\"mine\"}", USER);
    assertEquals(403, forbidden.status());
    assertTrue(forbidden.body().get("detail").asText().contains("admin"));

    JsonNode list = send("GET", "/api/v1/queues", null, USER).body();
    StringBuilder names = new StringBuilder();
    for (JsonNode q : list.get("items")) names.append(q.get("name").asText()).append(' ');
    assertEquals("default research vision ", names.toString(), "parents before children");

    DroverCluster.Response bad = send("POST", "/api/v1/queues", "{\"name\":\"nlp\",\"parent\":\"research\",\"guaranteedGpus\":4}", admin);
    assertEquals(400, bad.status());
    assertEquals("/guaranteedGpus", bad.body().get("errors").get(0).get("pointer").asText());
    DroverCluster.Response typo = send("POST", "/api/v1/queues", "{\"name\":\"nlp\",\"guaranteed\":4}", admin);
    assertEquals(400, typo.status());
    assertEquals("/guaranteed", typo.body().get("errors").get(0).get("pointer").asText());
    assertEquals(409, send("POST", "/api/v1/queues", "{\"name\":\"vision\"}", admin).status());

    DroverCluster.Response updated = send("PUT", "/api/v1/queues/vision", "{\"parent\":\"research\",\"guaranteedGpus\":2,\"weight\":3}", admin);
    assertEquals(200, updated.status(), updated.text());
    assertEquals(3.0, updated.body().get("weight").asDouble());
    assertEquals(404, send("PUT", "/api/v1/queues/nope", "{\"guaranteedGpus\":1}", admin).status());

    // a running job keeps its queue from being deleted, and shows up in the queue's usage
    String id = cluster.submitOk("name: q\nqueue: vision\nresources: {gpus: 2}\ncommand: [sleep, \"60\"]\n");
    cluster.awaitState(id, "RUNNING", Duration.ofSeconds(30));
    JsonNode vision = send("GET", "/api/v1/queues/vision", null, admin).body();
    assertEquals(2, vision.get("gpusAllocated").asInt());
    assertEquals(1, vision.get("runningJobs").asInt());
    JsonNode research = send("GET", "/api/v1/queues/research", null, admin).body();
    assertEquals(2, research.get("gpusAllocated").asInt(), "a parent counts its children's usage");
    DroverCluster.Response busy = send("DELETE", "/api/v1/queues/vision", null, admin);
    assertEquals(409, busy.status(), busy.text());
    assertEquals(202, send("DELETE", "/api/v1/jobs/" + id, null, admin).status());
    cluster.awaitState(id, "CANCELLED", Duration.ofSeconds(30));
    DroverCluster.waitUntil(Duration.ofSeconds(10), "vision to be empty",
        () -> send("GET", "/api/v1/queues/vision", null, admin).body().get("runningJobs").asInt() == 0);
    assertEquals(200, send("DELETE", "/api/v1/queues/vision", null, admin).status());
    assertEquals(404, send("GET", "/api/v1/queues/vision", null, admin).status());
  }

  @Test
  void submitChecksTheQueueAndResolvesPriorityClasses() throws Exception {
    DroverCluster.Response unknownQueue = cluster.submit("name: x\nqueue: nowhere\ncommand: [\"true\"]\n");
    assertEquals(422, unknownQueue.status());
    assertEquals("/queue", unknownQueue.body().get("errors").get(0).get("pointer").asText());

    DroverCluster.Response unknownClass = cluster.submit("name: x\npriorityClass: urgent\ncommand: [\"true\"]\n");
    assertEquals(400, unknownClass.status());
    assertEquals("/priorityClass", unknownClass.body().get("errors").get(0).get("pointer").asText());
    assertTrue(unknownClass.body().get("detail").asText().contains("critical, high, low, normal"), unknownClass.text());

    DroverCluster.Response both = cluster.submit("name: x\npriority: 5\npriorityClass: high\ncommand: [\"true\"]\n");
    assertEquals(400, both.status());

    DroverCluster.Response high = cluster.submit("name: x\npriorityClass: high\ncommand: [\"true\"]\n");
    assertEquals(201, high.status(), high.text());
    assertEquals(100, high.body().get("priority").asInt());
    DroverCluster.Response plain = cluster.submit("name: x\ncommand: [\"true\"]\n");
    assertEquals(0, plain.body().get("priority").asInt());
    assertEquals("normal", plain.body().get("spec").get("priorityClass").asText());
  }
}
