package dev.drover.coordinator.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.drover.cli.DroverCli;
import dev.drover.protocol.Json;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's tour, automated: the CLI against a real coordinator and agent, with examples/hello.yaml. */
class EndToEndTest {
  @TempDir Path tmp;
  private DroverCluster cluster;

  @AfterEach
  void stop() throws Exception {
    if (cluster != null) cluster.close();
  }

  private record Run(int code, String out, String err) {}

  /** The CLI in-process, configured the way `drover up` leaves it: a config file with URL and token. */
  private Run cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    DroverCli cli = new DroverCli(Map.of(), tmp.resolve("home"), new ByteArrayInputStream(new byte[0]), Clock.systemUTC());
    int code = DroverCli.commandLine(cli, new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  private static Path repoRoot() {
    String prop = System.getProperty("drover.root");
    Path p = prop != null ? Path.of(prop) : Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("examples"))) p = p.getParent();
    if (p == null) throw new IllegalStateException("cannot find the repository root (examples/)");
    return p;
  }

  @Test
  void helloGangRunsToSucceededWithDistinctGpusAndAFullHistory() throws Exception {
    cluster = new DroverCluster(tmp.resolve("cluster"), Duration.ofSeconds(10));
    cluster.startCoordinator();
    cluster.startAgent("n1", 8);
    cluster.awaitNodesReady("n1");
    Files.createDirectories(tmp.resolve("home/.drover"));
    Files.writeString(tmp.resolve("home/.drover/config"), "url=" + cluster.url() + "\ntoken=" + cluster.token() + "\n");

    Run submit = cli("submit", "-f", repoRoot().resolve("examples/hello.yaml").toString());
    assertEquals(0, submit.code(), submit.err());
    Matcher m = Pattern.compile("(j-[0-9a-f]{16})").matcher(submit.out());
    assertTrue(m.find(), submit.out());
    String id = m.group(1);

    cluster.awaitState(id, "SUCCEEDED", Duration.ofSeconds(60));
    Run jobs = cli("jobs");
    assertTrue(jobs.out().contains(id) && jobs.out().contains("SUCCEEDED"), jobs.out());

    Run log0 = cli("logs", id);
    Run log1 = cli("logs", id, "-r", "1");
    assertEquals(0, log0.code(), log0.err());
    assertTrue(log0.out().contains("rank=0/2"), log0.out());
    assertTrue(log1.out().contains("rank=1/2"), log1.out());
    String gpu0 = value(log0.out(), "CUDA_VISIBLE_DEVICES");
    String gpu1 = value(log1.out(), "CUDA_VISIBLE_DEVICES");
    assertNotEquals(gpu0, gpu1, "each rank got its own GPU");
    assertNotEquals(value(log0.out(), "NVIDIA_VISIBLE_DEVICES"), value(log1.out(), "NVIDIA_VISIBLE_DEVICES"));
    assertTrue(log0.out().contains("master=127.0.0.1:295"), log0.out());

    Run describe = cli("describe", id);
    assertEquals(0, describe.code(), describe.err());
    for (String event : new String[] {"JobSubmitted", "JobScheduled", "ReplicaStarted", "ReplicaExited", "JobSucceeded"}) {
      assertTrue(describe.out().contains(event), "describe shows " + event + ":\n" + describe.out());
    }

    Run json = cli("describe", id, "-o", "json");
    JsonNode view = Json.mapper().readTree(json.out());
    assertEquals("SUCCEEDED", view.get("state").asText());

    Run nodes = cli("nodes");
    assertTrue(nodes.out().contains("n1") && nodes.out().contains("Ready"), nodes.out());
    // logs -f streams a running replica's output from its agent until the replica ends.
    String streaming = cluster.submitOk("name: counter\ncommand: [\"/bin/sh\", \"-c\", \"for i in 1 2 3 4 5; do echo tick-$i; sleep 0.5; done\"]\n");
    cluster.awaitState(streaming, "RUNNING", Duration.ofSeconds(30));
    Run follow = cli("logs", streaming, "-f");
    assertEquals(0, follow.code(), follow.err());
    assertTrue(follow.out().matches("(?s).*tick-1.*tick-2.*tick-3.*tick-4.*tick-5.*"), follow.out());

    Run missing = cli("describe", "j-0000000000000000");
    assertEquals(3, missing.code(), missing.err());
    assertTrue(missing.err().startsWith("error: "), missing.err());
  }

  private static String value(String text, String key) {
    Matcher m = Pattern.compile(key + "=(\\S+)").matcher(text);
    assertTrue(m.find(), key + " in " + text);
    return m.group(1);
  }
}
