package dev.drover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ErrorExitCodeTest {
  @TempDir Path home;
  FakeCoordinator server;
  CliRun cli;

  @BeforeEach
  void start() throws Exception {
    server = new FakeCoordinator();
    cli = new CliRun(Map.of("DROVER_URL", server.url().toString()), home);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void unauthorizedIsExit4() {
    server.onProblem("GET", "/api/v1/jobs", 401, "missing or invalid bearer token");
    CliRun.Result r = cli.run("jobs");
    assertEquals(4, r.exitCode());
    assertEquals("error: missing or invalid bearer token\n", r.err());
  }

  @Test
  void forbiddenIsExit4() {
    server.onProblem("POST", "/api/v1/nodes/n1/drain", 403, "this token may not drain nodes");
    assertEquals(4, cli.run("drain", "n1").exitCode());
  }

  @Test
  void unknownJobIsExit3() {
    server.onProblem("GET", "/api/v1/jobs/j-404", 404, "no job j-404");
    CliRun.Result r = cli.run("describe", "j-404");
    assertEquals(3, r.exitCode());
    assertEquals("error: no job j-404\n", r.err());
  }

  @Test
  void cancellingAFinishedJobIsExit5() {
    server.onProblem("DELETE", "/api/v1/jobs/j-1", 409, "job j-1 already SUCCEEDED");
    CliRun.Result r = cli.run("cancel", "j-1");
    assertEquals(5, r.exitCode());
    assertEquals("error: job j-1 already SUCCEEDED\n", r.err());
  }

  @Test
  void anErrorThatIsNotAProblemStillReadsAsOneLine() {
    server.on("GET", "/api/v1/nodes", ex -> FakeCoordinator.send(ex, 502, "text/html", "<html>Bad Gateway</html>\n<p>x</p>"));
    CliRun.Result r = cli.run("nodes");
    assertEquals(1, r.exitCode());
    assertEquals("error: the server answered HTTP 502: <html>Bad Gateway</html>\n", r.err());
  }

  @Test
  void connectionRefusedIsExit6WithAHint() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String url = "http://127.0.0.1:" + port;
    CliRun.Result r = cli.run("jobs", "--server", url);
    assertEquals(6, r.exitCode());
    assertEquals(
        "error: cannot reach the Drover server at " + url + ": connection refused; is 'drover up' running?\n", r.err());
  }

  @Test
  void noStackTraceUnlessDebug() {
    server.on("GET", "/api/v1/jobs", ex -> FakeCoordinator.send(ex, 200, "application/json", "not json"));
    CliRun.Result quiet = cli.run("jobs");
    assertEquals(1, quiet.exitCode());
    assertTrue(quiet.err().startsWith("error: unexpected answer from GET /api/v1/jobs: not a JobPage"), quiet.err());
    assertEquals(1, quiet.err().lines().count(), quiet.err());
    assertFalse(quiet.err().contains("\tat "));

    CliRun.Result debug = cli.run("jobs", "--debug");
    assertTrue(debug.err().contains("\tat dev.drover.cli.http.DroverClient"), debug.err());
  }

  @Test
  void noServerConfiguredIsExplained() {
    CliRun.Result r = new CliRun(Map.of("DROVER_CONFIG", home.resolve("none").toString()), home).run("nodes");
    assertEquals(1, r.exitCode());
    assertEquals("error: no server configured: run 'drover up' or pass --server / set DROVER_URL\n", r.err());
  }

  @Test
  void usageErrorsAreExit2() {
    assertEquals(2, cli.run().exitCode());
    assertEquals(2, cli.run("jobz").exitCode());
    assertEquals(2, cli.run("jobs", "-o", "xml").exitCode());
    assertEquals(2, cli.run("logs").exitCode());
    assertEquals(2, cli.run("logs", "j-1", "--tail", "lots").exitCode());
    assertTrue(server.requests.isEmpty());
  }
}
