package dev.drover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogsCommandTest {
  static final Duration WAIT = Duration.ofSeconds(10);
  @TempDir Path home;
  FakeCoordinator server;
  CliRun cli;

  @BeforeEach
  void start() throws Exception {
    server = new FakeCoordinator();
    cli = new CliRun(Map.of("DROVER_URL", server.url().toString(), "DROVER_TOKEN", "tok"), home);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void printsTheLogWithReplicaAndTail() {
    server.on("GET", "/api/v1/jobs/j-1/logs", ex -> FakeCoordinator.send(ex, 200, "text/plain; charset=UTF-8", "hello\nwörld\n"));

    CliRun.Result r = cli.run("logs", "j-1", "-r", "1", "--tail", "64Ki");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals("hello\nwörld\n", r.out());
    assertEquals("replica=1&follow=false&tail=65536", server.only().query());
    assertEquals("Bearer tok", server.only().header("Authorization"));
  }

  @Test
  void followStreamsEachChunkAsItArrives() throws Exception {
    CountDownLatch firstSeen = new CountDownLatch(1);
    server.on("GET", "/api/v1/jobs/j-1/logs", ex -> {
      ex.getResponseHeaders().set("Content-Type", "text/plain; charset=UTF-8");
      ex.sendResponseHeaders(200, 0); // chunked: the body streams until the replica ends
      try (OutputStream out = ex.getResponseBody()) {
        out.write("step 1\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
        // The second chunk is only written once the CLI has printed the first: proof that it
        // streams rather than waiting for the end of the body.
        try {
          if (!firstSeen.await(WAIT.toSeconds(), TimeUnit.SECONDS)) throw new AssertionError("first chunk never printed");
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        out.write("step 2\n".getBytes(StandardCharsets.UTF_8));
      }
      ex.close();
    });
    CliRun.ObservableWriter out = new CliRun.ObservableWriter();
    CliRun.ObservableWriter err = new CliRun.ObservableWriter();

    CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> cli.run(out, err, "logs", "j-1", "-f"));

    assertTrue(out.awaitContains("step 1\n", WAIT), "first chunk not printed while the stream was open");
    assertFalse(exit.isDone());
    assertEquals("step 1\n", out.text());
    firstSeen.countDown();
    assertEquals(0, exit.get(WAIT.toSeconds(), TimeUnit.SECONDS), err.text());
    assertEquals("step 1\nstep 2\n", out.text());
    assertEquals("replica=0&follow=true", server.only().query());
  }

  @Test
  void logsOfAnUnknownJobIsNotFound() {
    server.onProblem("GET", "/api/v1/jobs/j-9/logs", 404, "no job j-9");
    CliRun.Result r = cli.run("logs", "j-9", "-f");
    assertEquals(3, r.exitCode());
    assertEquals("error: no job j-9\n", r.err());
  }
}
