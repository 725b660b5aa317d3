package dev.drover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drover.protocol.Json;
import dev.drover.protocol.api.JobPage;
import dev.drover.protocol.api.JobState;
import dev.drover.protocol.api.JobView;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobCommandsTest {
  @TempDir Path home;
  FakeCoordinator server;
  CliRun cli;

  @BeforeEach
  void start() throws Exception {
    server = new FakeCoordinator();
    cli = new CliRun(Map.of("DROVER_TOKEN", "tok"), home);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private String url() {
    return server.url().toString();
  }

  @Test
  void jobsTableIsAlignedWithAgesGpusAndReasons() {
    JobView failed = new JobView("j-3", "long-name-job", "default", 0, "c", JobState.FAILED, 1, 0, 1, 8, null,
        "replica 0 exited with code 3", Fixtures.minutesAgo(60 * 26), null, null, null, List.of());
    server.onJson("GET", "/api/v1/jobs", 200,
        new JobPage(List.of(Fixtures.pending("j-1"), Fixtures.running("j-2"), failed), null));

    CliRun.Result r = cli.run("jobs", "--server", url());

    assertEquals(0, r.exitCode(), r.err());
    assertEquals(
        "ID    NAME            QUEUE      STATE     GPUS      AGE         REASON\n"
            + "j-1   hello           default    PENDING   2 (2x1)   3m ago      waiting for 2 GPUs: 3 nodes have too few free GPUs\n"
            + "j-2   train           research   RUNNING   4 (2x2)   1h30m ago   -\n"
            + "j-3   long-name-job   default    FAILED    8         1d2h ago    replica 0 exited with code 3\n",
        r.out());
    assertEquals("Bearer tok", server.only().header("Authorization"));
  }

  @Test
  void longReasonsAreTruncated() {
    JobView j = new JobView("j-1", "n", "q", 0, "o", JobState.PENDING, 1, 0, 1, 1, "x".repeat(100), null,
        CliRun.NOW, null, null, null, List.of());
    server.onJson("GET", "/api/v1/jobs", 200, new JobPage(List.of(j), null));
    String out = cli.run("jobs", "--server", url()).out();
    assertTrue(out.contains("x".repeat(57) + "...\n"), out);
    assertTrue(!out.contains("x".repeat(58)), out);
  }

  @Test
  void filtersGoToTheQueryAndAllFollowsCursors() throws Exception {
    server.on("GET", "/api/v1/jobs", ex -> {
      String q = ex.getRequestURI().getRawQuery();
      JobPage page = q.contains("cursor=c2") ? new JobPage(List.of(Fixtures.pending("j-3")), null)
          : q.contains("cursor=c1") ? new JobPage(List.of(Fixtures.pending("j-2")), "c2")
          : new JobPage(List.of(Fixtures.pending("j-1")), "c1");
      FakeCoordinator.send(ex, 200, "application/json", Json.write(page));
    });

    CliRun.Result r = cli.run("get", "--server", url(), "--state", "pending", "--queue", "default", "--limit", "1", "--all", "-o", "json");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals(
        List.of("state=PENDING&queue=default&limit=1", "state=PENDING&queue=default&limit=1&cursor=c1",
            "state=PENDING&queue=default&limit=1&cursor=c2"),
        server.requests.stream().map(FakeCoordinator.Recorded::query).toList());
    JobPage all = Json.mapper().readValue(r.out(), JobPage.class);
    assertEquals(List.of("j-1", "j-2", "j-3"), all.items().stream().map(JobView::id).toList());
  }

  @Test
  void withoutAllOnlyTheFirstPageIsShownAndTheRestIsMentioned() {
    server.onJson("GET", "/api/v1/jobs", 200, new JobPage(List.of(Fixtures.pending("j-1")), "c1"));
    CliRun.Result r = cli.run("jobs", "--server", url());
    assertEquals(1, server.requests.size());
    assertTrue(r.out().endsWith("(more jobs: pass --all to list every page)\n"), r.out());
  }

  @Test
  void yamlOutputParsesBackToTheDto() throws Exception {
    JobPage page = new JobPage(List.of(Fixtures.running("j-2")), "next");
    server.onJson("GET", "/api/v1/jobs", 200, page);
    CliRun.Result r = cli.run("-o", "yaml", "--server", url(), "jobs");
    assertEquals(0, r.exitCode(), r.err());
    assertEquals(page, Json.yaml().readValue(r.out(), JobPage.class));
  }

  @Test
  void describeShowsSpecReplicasReasonAndTimeline() {
    server.onJson("GET", "/api/v1/jobs/j-2", 200, Fixtures.running("j-2"));
    server.onJson("GET", "/api/v1/jobs/j-2/events", 200, Fixtures.events("j-2"));

    CliRun.Result r = cli.run("describe", "j-2", "--server", url());

    assertEquals(0, r.exitCode(), r.err());
    String out = r.out();
    assertTrue(out.contains("State:          RUNNING\n"), out);
    assertTrue(out.contains("Attempt:        2 (restarts: 1)\n"), out);
    assertTrue(out.contains("  Resources per replica: 1 GPU, 1 CPU, 1Gi memory\n"), out);
    assertTrue(out.contains("  Command: /bin/sh -c 'echo hi'\n"), out);
    assertTrue(out.contains("    FOO=bar\n"), out);
    assertTrue(out.contains(
        "  RANK   NODE         GPUS   GPU UUIDS         PHASE     PID    EXIT         STARTED   MESSAGE\n"
            + "  0      gpu-node-1   0,1    GPU-aaa,GPU-bbb   RUNNING   4242   -            2m ago    -\n"
            + "  1      gpu-node-2   3      GPU-ccc           EXITED    77     3 (EXITED)   2m ago    exited with code 3\n"), out);
    assertTrue(out.contains(
        "Events:\n"
            + "  TIME                   AGE         EVENT            SUMMARY\n"
            + "  2025-01-01 10:30:00Z   1h30m ago   JobSubmitted     submitted by bob\n"
            + "  2025-01-01 11:58:00Z   2m ago      ReplicaStarted   replica 0 started on gpu-node-1\n"), out);
  }

  @Test
  void describeOfAPendingJobShowsWhy() {
    server.onJson("GET", "/api/v1/jobs/j-1", 200, Fixtures.pending("j-1"));
    server.onJson("GET", "/api/v1/jobs/j-1/events", 200, Fixtures.events("j-1"));
    String out = cli.run("describe", "j-1", "--server", url()).out();
    assertTrue(out.contains("Pending reason: waiting for 2 GPUs: 3 nodes have too few free GPUs\n"), out);
    assertTrue(out.contains("Replicas:\n  (none placed yet)\n"), out);
  }

  @Test
  void describeJsonIsTheJobView() throws Exception {
    JobView job = Fixtures.running("j-2");
    server.onJson("GET", "/api/v1/jobs/j-2", 200, job);
    CliRun.Result r = cli.run("describe", "j-2", "--server", url(), "-o", "json");
    assertEquals(job, Json.mapper().readValue(r.out(), JobView.class));
  }

  @Test
  void cancelSendsDeleteAndPrintsTheState() {
    JobView cancelling = new JobView("j-1", "n", "q", 0, "o", JobState.CANCELLING, 1, 0, 1, 1, null, null,
        CliRun.NOW, null, null, null, List.of());
    server.onJson("DELETE", "/api/v1/jobs/j-1", 202, cancelling);
    CliRun.Result r = cli.run("cancel", "j-1", "--server", url());
    assertEquals(0, r.exitCode(), r.err());
    assertEquals("job j-1 cancel requested, state CANCELLING\n", r.out());
  }

  @Test
  void idsAreEncodedAsOnePathSegment() {
    server.onProblem("GET", "/api/v1/jobs/a%2F..%2Fb", 404, "no such job");
    assertEquals(3, cli.run("describe", "a/../b", "--server", url()).exitCode());
    assertEquals("/api/v1/jobs/a%2F..%2Fb", server.only().path());
  }
}
