package dev.drover.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drover.protocol.Json;
import dev.drover.protocol.api.JobView;
import dev.drover.protocol.spec.FieldError;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SubmitCommandTest {
  @TempDir Path dir;
  FakeCoordinator server;
  CliRun cli;

  @BeforeEach
  void start() throws Exception {
    server = new FakeCoordinator();
    cli = new CliRun(Map.of("DROVER_URL", server.url().toString(), "DROVER_TOKEN", "t0k3n"), dir);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void sendsTheYamlFileAsWrittenWithItsContentTypeAndKey() throws Exception {
    server.onJson("POST", "/api/v1/jobs", 201, Fixtures.pending("j-42"));
    String yaml = "# my job\nname: hello\ncommand: [\"/bin/true\"]\n";
    Path file = Files.writeString(dir.resolve("job.yml"), yaml);

    CliRun.Result r = cli.run("submit", "-f", file.toString(), "--idempotency-key", "k-1");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals("job j-42 submitted, state PENDING\n", r.out());
    FakeCoordinator.Recorded req = server.only();
    assertEquals("POST", req.method());
    assertEquals("/api/v1/jobs", req.path());
    assertArrayEquals(yaml.getBytes(StandardCharsets.UTF_8), req.body());
    assertEquals("application/yaml", req.header("Content-Type"));
    assertEquals("Bearer t0k3n", req.header("Authorization"));
    assertEquals("k-1", req.header("Idempotency-Key"));
  }

  @Test
  void jsonFileIsSentAsJsonWithoutAKeyWhenNoneIsGiven() throws Exception {
    server.onJson("POST", "/api/v1/jobs", 201, Fixtures.pending("j-1"));
    Path file = Files.writeString(dir.resolve("job.json"), "{\"name\":\"a\",\"command\":[\"x\"]}");

    assertEquals(0, cli.run("submit", "-f", file.toString()).exitCode());

    assertEquals("application/json", server.only().header("Content-Type"));
    assertNull(server.only().header("Idempotency-Key"));
  }

  @Test
  void readsTheSpecFromStdinAndDetectsItsFormat() {
    server.onJson("POST", "/api/v1/jobs", 201, Fixtures.pending("j-1"));
    byte[] json = "\n  {\"name\":\"a\",\"command\":[\"x\"]}".getBytes(StandardCharsets.UTF_8);

    assertEquals(0, cli.stdin(json).run("submit", "-f", "-").exitCode());
    assertArrayEquals(json, server.requests.get(0).body());
    assertEquals("application/json", server.requests.get(0).header("Content-Type"));

    assertEquals(0, cli.stdin("name: a\n".getBytes(StandardCharsets.UTF_8)).run("submit", "-f", "-").exitCode());
    assertEquals("application/yaml", server.requests.get(1).header("Content-Type"));
  }

  @Test
  void aRepeatedKeySaysTheJobAlreadyExisted() throws Exception {
    server.onJson("POST", "/api/v1/jobs", 200, Fixtures.running("j-7"));
    Path file = Files.writeString(dir.resolve("job.yaml"), "name: a\n");

    CliRun.Result r = cli.run("submit", "-f", file.toString(), "--idempotency-key", "same");

    assertEquals(0, r.exitCode());
    assertEquals("job j-7 was already submitted with this idempotency key, state RUNNING\n", r.out());
  }

  @Test
  void jsonOutputIsTheJobViewTheServerReturned() throws Exception {
    JobView job = Fixtures.pending("j-9");
    server.onJson("POST", "/api/v1/jobs", 201, job);
    Path file = Files.writeString(dir.resolve("job.yaml"), "name: a\n");

    CliRun.Result r = cli.run("submit", "-f", file.toString(), "-o", "json");

    assertEquals(0, r.exitCode());
    assertEquals(job, Json.mapper().readValue(r.out(), JobView.class));
  }

  @Test
  void validationProblemPrintsOneLinePlusOneLinePerField() throws Exception {
    server.onProblem("POST", "/api/v1/jobs", 422, "the job spec is invalid",
        new FieldError("/resources/gpus", "must be between 0 and 64 per replica, got 65"),
        new FieldError("/command", "is required"));
    Path file = Files.writeString(dir.resolve("job.yaml"), "name: a\n");

    CliRun.Result r = cli.run("submit", "-f", file.toString());

    assertEquals(1, r.exitCode());
    assertEquals("", r.out());
    assertEquals(
        "error: the job spec is invalid\n"
            + "  /resources/gpus: must be between 0 and 64 per replica, got 65\n"
            + "  /command: is required\n",
        r.err());
  }

  @Test
  void aMissingFileIsReportedWithoutContactingTheServer() {
    CliRun.Result r = cli.run("submit", "-f", dir.resolve("nope.yaml").toString());

    assertEquals(1, r.exitCode());
    assertTrue(r.err().startsWith("error: cannot read ") && r.err().endsWith("nope.yaml: no such file\n"), r.err());
    assertTrue(server.requests.isEmpty());
  }

  @Test
  void withoutAFileItIsAUsageError() {
    CliRun.Result r = cli.run("submit");
    assertEquals(2, r.exitCode());
    assertTrue(r.err().startsWith("error: Missing required option: '--file=FILE'"), r.err());
  }
}
