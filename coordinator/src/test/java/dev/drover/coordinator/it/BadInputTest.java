package dev.drover.coordinator.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every kind of bad input gets a precise problem+json answer and creates nothing. */
class BadInputTest {
  @TempDir static Path tmp;
  private static Path root;
  private static DroverCluster cluster;
  private static String userToken;
  private static String otherUserToken;

  @BeforeAll
  static void start() throws Exception {
    root = tmp;
    cluster = new DroverCluster(root, Duration.ofSeconds(10));
    // Two users besides the admin, written before the first start.
    Files.createDirectories(cluster.dataDir());
    userToken = "user-token-0123456789abcdef";
    otherUserToken = "other-token-0123456789abcdef";
    Files.writeString(cluster.dataDir().resolve("tokens.json"), """
        {"tokens":[
          {"name":"admin","role":"admin","token":"admin-token-0123456789abcdef"},
          {"name":"alice","role":"user","token":"%s"},
          {"name":"bob","role":"user","token":"%s"}]}
        """.formatted(userToken, otherUserToken));
    cluster.startCoordinator();
    cluster.startAgent("n1", 8);
    cluster.awaitNodesReady("n1");
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
  }

  private static final String OK = "name: ok\nreplicas: 1\nresources: {gpus: 1}\ncommand: [\"true\"]\n";

  static Stream<Arguments> badSpecs() {
    return Stream.of(
        Arguments.of("application/json", "{\"name\": \"x\", ", 400, "", "malformed JSON"),
        Arguments.of("application/yaml", "name: \"unterminated\ncommand: [x]\n", 400, "", "malformed YAML"),
        Arguments.of("application/json", "[1,2]", 400, "", "expected a job spec object"),
        Arguments.of("application/yaml", "name: x\ncommand: [\"true\"]\nreplica: 2\n", 400, "/replica", "did you mean 'replicas'"),
        Arguments.of("application/yaml", "name: x\ncommand: [\"true\"]\nresources: {gpu: 1}\n", 400, "/resources/gpu", "did you mean 'gpus'"),
        Arguments.of("application/yaml", "name: x\n", 400, "/command", "is required"),
        Arguments.of("application/yaml", "name: x\ncommand: []\n", 400, "/command", "is required"),
        Arguments.of("application/yaml", "name: x\ncommand: [\"true\"]\nreplicas: 0\n", 400, "/replicas", "between 1 and 4096"),
        Arguments.of("application/yaml", "name: x\ncommand: [\"true\"]\nreplicas: -3\n", 400, "/replicas", "between 1 and 4096"),
        Arguments.of("application/yaml", "name: x\ncommand: [\"true\"]\nreplicas: 99999999\n", 400, "/replicas", "between 1 and 4096"),
        Arguments.of("application/yaml", "name: x\ncommand: [\"true\"]\nresources: {gpus: -1}\n", 400, "/resources/gpus", "between 0 and 64"),
        Arguments.of("application/yaml", "name: x\ncommand: [\"true\"]\nresources: {gpus: 100000}\n", 400, "/resources/gpus", "between 0 and 64"),
        Arguments.of("application/yaml", "name: x\ncommand: [\"true\"]\nresources: {cpus: 0}\n", 400, "/resources/cpus", "more than 0"),
        Arguments.of("application/yaml", "name: x\ncommand: [\"true\"]\nresources: {memory: 12 parsecs}\n", 400, "/resources/memory", "not a byte quantity"),
        Arguments.of("application/yaml", "name: x\ncommand: [\"true\"]\nresources: {memory: 900Pi}\n", 400, "/resources/memory", "at most 64Ti"),
        Arguments.of("application/yaml", "name: x\ncommand: [\"true\"]\nreplicas: two\n", 400, "/replicas", "not a valid an integer"),
        Arguments.of("application/yaml", "name: \"bad name!\"\ncommand: [\"true\"]\n", 400, "/name", "not a valid name"),
        Arguments.of("application/yaml", "name: x/../y\ncommand: [\"true\"]\n", 400, "/name", "not a valid name"),
        Arguments.of("application/yaml", "name: x\nqueue: \"q w\"\ncommand: [\"true\"]\n", 400, "/queue", "not a valid name"),
        Arguments.of("application/yaml", "name: x\ncommand: [\"true\"]\nenv: {RANK: \"3\"}\n", 400, "/env/RANK", "set by Drover"),
        Arguments.of("application/yaml", "name: x\ncommand: [\"true\"]\nmaxRuntime: forever\n", 400, "/maxRuntime", "not a duration"),
        Arguments.of("application/yaml", "name: x\ncommand: [\"true\"]\nworkingDir: relative/dir\n", 400, "/workingDir", "absolute path"),
        Arguments.of("application/yaml", "name: x\ncommand: [\"true\"]\nstopSignal: KILL\n", 400, "/stopSignal", "not a stop signal"),
        Arguments.of("application/yaml", "name: x\ncommand: [\"true\"]\nplacement: {strategy: scatter}\n", 400, "/placement/strategy", "'pack' or 'spread'"),
        Arguments.of("application/yaml", "name: x\ncommand: [\"true\"]\nresources: {gpus: 16}\n", 422, "/resources/gpus", "largest node has 8"),
        Arguments.of("application/yaml", "name: x\ncommand: [\"true\"]\nreplicas: 3\nresources: {gpus: 8}\n", 422, "/replicas", "24"));
  }

  @ParameterizedTest(name = "{4}")
  @MethodSource("badSpecs")
  void badSpecIsRejectedWithTheFieldAndNothingIsCreated(String type, String body, int status, String pointer, String message)
      throws Exception {
    int before = jobCount();
    DroverCluster.Response r = cluster.request("POST", "/api/v1/jobs", type, body.getBytes(StandardCharsets.UTF_8),
        Map.of("Authorization", "Bearer " + userToken));
    assertEquals(status, r.status(), r.text());
    assertTrue(r.contentType().startsWith("application/problem+json"), r.contentType());
    JsonNode p = r.body();
    assertEquals(status, p.get("status").asInt());
    assertTrue(p.get("detail").asText().contains(message), p.toString());
    boolean named = false;
    for (JsonNode e : p.get("errors")) named |= e.get("pointer").asText().equals(pointer);
    assertTrue(named, "problem names " + pointer + ": " + p);
    assertEquals(before, jobCount(), "nothing half-created");
  }

  private static int jobCount() throws Exception {
    return cluster.request("GET", "/api/v1/jobs?limit=500", null, null, Map.of("Authorization", "Bearer " + cluster.token()))
        .body().get("items").size();
  }

  @Test
  void bodyOverTheLimitIs413() throws Exception {
    byte[] big = new byte[2 * 1024 * 1024];
    java.util.Arrays.fill(big, (byte) ' ');
    DroverCluster.Response r = cluster.request("POST", "/api/v1/jobs", "application/json", big, Map.of("Authorization", "Bearer " + userToken));
    assertEquals(413, r.status(), r.text());
    assertTrue(r.contentType().startsWith("application/problem+json"));
  }

  @Test
  void missingOrWrongTokensAre401AndRolesAreEnforced() throws Exception {
    DroverCluster.Response none = cluster.request("GET", "/api/v1/jobs", null, null, Map.of());
    assertEquals(401, none.status());
    assertTrue(none.body().get("detail").asText().contains("missing bearer token"));
    assertEquals(401, cluster.request("GET", "/api/v1/jobs", null, null, Map.of("Authorization", "Bearer nope")).status());
    assertEquals(401, cluster.request("GET", "/api/v1/jobs", null, null, Map.of("Authorization", "Basic YWJj")).status());
    DroverCluster.Response forbidden = cluster.request("POST", "/api/v1/nodes/n1/cordon", null, null,
        Map.of("Authorization", "Bearer " + userToken));
    assertEquals(403, forbidden.status());
    assertTrue(forbidden.body().get("detail").asText().contains("operator"));
    // agents need the join token, not an API token
    assertEquals(401, cluster.request("GET", "/agent/v1/stream", null, null, Map.of("Authorization", "Bearer " + userToken)).status());
  }

  @Test
  void usersSeeAndCancelOnlyTheirOwnJobs() throws Exception {
    DroverCluster.Response created = cluster.request("POST", "/api/v1/jobs", "application/yaml", OK.getBytes(StandardCharsets.UTF_8),
        Map.of("Authorization", "Bearer " + userToken));
    assertEquals(201, created.status(), created.text());
    String id = created.body().get("id").asText();
    assertEquals("alice", created.body().get("owner").asText());
    assertEquals(404, cluster.request("GET", "/api/v1/jobs/" + id, null, null, Map.of("Authorization", "Bearer " + otherUserToken)).status());
    assertEquals(404, cluster.request("DELETE", "/api/v1/jobs/" + id, null, null, Map.of("Authorization", "Bearer " + otherUserToken)).status());
    JsonNode bobs = cluster.request("GET", "/api/v1/jobs", null, null, Map.of("Authorization", "Bearer " + otherUserToken)).body();
    for (JsonNode j : bobs.get("items")) assertEquals("bob", j.get("owner").asText());
    assertEquals(200, cluster.request("GET", "/api/v1/jobs/" + id, null, null, Map.of("Authorization", "Bearer " + cluster.token())).status());
  }

  @Test
  void unknownIdsAre404AndFinishedJobsCannotBeCancelled() throws Exception {
    Map<String, String> admin = Map.of("Authorization", "Bearer " + cluster.token());
    assertEquals(404, cluster.request("GET", "/api/v1/jobs/j-0123456789abcdef", null, null, admin).status());
    assertEquals(404, cluster.request("GET", "/api/v1/jobs/not-a-job", null, null, admin).status());
    assertEquals(404, cluster.request("DELETE", "/api/v1/jobs/j-0123456789abcdef", null, null, admin).status());
    assertEquals(404, cluster.request("GET", "/api/v1/nodes/nope", null, null, admin).status());
    assertEquals(404, cluster.request("POST", "/api/v1/nodes/nope/cordon", null, null, admin).status());
    DroverCluster.Response unknown = cluster.request("GET", "/api/v1/nothing", null, null, admin);
    assertEquals(404, unknown.status());
    assertTrue(unknown.contentType().startsWith("application/problem+json"));
    assertEquals(405, cluster.request("PUT", "/api/v1/jobs", "application/json", "{}".getBytes(), admin).status());

    String id = cluster.submitOk(OK);
    cluster.awaitState(id, "SUCCEEDED", Duration.ofSeconds(30));
    DroverCluster.Response conflict = cluster.request("DELETE", "/api/v1/jobs/" + id, null, null, admin);
    assertEquals(409, conflict.status());
    assertTrue(conflict.body().get("detail").asText().contains("already finished"));
  }

  @Test
  void badQueryParametersNameTheParameter() throws Exception {
    Map<String, String> admin = Map.of("Authorization", "Bearer " + cluster.token());
    DroverCluster.Response state = cluster.request("GET", "/api/v1/jobs?state=SLEEPING", null, null, admin);
    assertEquals(400, state.status());
    assertEquals("?state", state.body().get("errors").get(0).get("pointer").asText());
    assertEquals(400, cluster.request("GET", "/api/v1/jobs?limit=0", null, null, admin).status());
    assertEquals(400, cluster.request("GET", "/api/v1/jobs?cursor=garbage", null, null, admin).status());
  }

  @Test
  void idempotencyKeyReturnsTheSameJobAndRefusesADifferentSpec() throws Exception {
    Map<String, String> h = Map.of("Authorization", "Bearer " + cluster.token(), "Idempotency-Key", "retry-42");
    DroverCluster.Response first = cluster.request("POST", "/api/v1/jobs", "application/yaml", OK.getBytes(StandardCharsets.UTF_8), h);
    DroverCluster.Response again = cluster.request("POST", "/api/v1/jobs", "application/yaml", OK.getBytes(StandardCharsets.UTF_8), h);
    assertEquals(201, first.status(), first.text());
    assertEquals(200, again.status(), again.text());
    assertEquals(first.body().get("id"), again.body().get("id"));
    DroverCluster.Response different = cluster.request("POST", "/api/v1/jobs", "application/yaml",
        OK.replace("gpus: 1", "gpus: 2").getBytes(StandardCharsets.UTF_8), h);
    assertEquals(422, different.status());
    assertTrue(different.body().get("detail").asText().contains("Idempotency-Key"));
  }
}
