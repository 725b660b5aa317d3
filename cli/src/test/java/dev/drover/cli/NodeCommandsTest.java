package dev.drover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drover.protocol.Json;
import dev.drover.protocol.api.CordonRequest;
import dev.drover.protocol.api.NodeList;
import dev.drover.protocol.api.NodeView;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeCommandsTest {
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
  void nodesTable() {
    NodeView empty = new NodeView("cpu-1", null, "NotReady", false, false, true, null, "fake", null, null, 8, 1L << 30,
        Map.of(), 0, 0, List.of(), List.of(), null, null);
    server.onJson("GET", "/api/v1/nodes", 200,
        new NodeList(List.of(Fixtures.node("gpu-node-1", false), Fixtures.node("gpu-node-2", true), empty)));

    CliRun.Result r = cli.run("nodes");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals(
        "NAME         STATUS              GPUS   BACKEND   LABELS\n"
            + "gpu-node-1   Ready               1/2    nvml      gpu=h100,zone=a\n"
            + "gpu-node-2   Ready,Cordoned      1/2    nvml      gpu=h100,zone=a\n"
            + "cpu-1        NotReady,Draining   0/0    fake      -\n",
        r.out());
  }

  @Test
  void nodesJsonParsesBack() throws Exception {
    NodeList list = new NodeList(List.of(Fixtures.node("gpu-node-1", false)));
    server.onJson("GET", "/api/v1/nodes", 200, list);
    assertEquals(list, Json.mapper().readValue(cli.run("nodes", "-o", "json").out(), NodeList.class));
  }

  @Test
  void describeNodeShowsLabelsGpusTelemetryAndAllocations() {
    server.onJson("GET", "/api/v1/nodes/gpu-node-2", 200, Fixtures.node("gpu-node-2", true));

    String out = cli.run("describe-node", "gpu-node-2").out();

    assertTrue(out.contains("Status:       Ready,Cordoned\n"), out);
    assertTrue(out.contains("Cordoned:     bad fan\n"), out);
    assertTrue(out.contains("Memory:       512Gi\n"), out);
    assertTrue(out.contains("Labels:\n  gpu=h100\n  zone=a\n"), out);
    assertTrue(out.contains(
        "  INDEX   NAME                    MEMORY   HEALTH    ALLOCATED TO   UTIL   MEM USED   TEMP   POWER   UUID\n"
            + "  0       NVIDIA H100 80GB HBM3   80Gi     Healthy   j-1/0          97%    40Gi       61C    612W    GPU-aaa\n"
            + "  1       NVIDIA H100 80GB HBM3   80Gi     Healthy   -              -      -          -      -       GPU-bbb\n"),
        out);
    assertTrue(out.contains("Allocations:\n  a-1 j-1/0 GPUs 0\n"), out);
  }

  @Test
  void cordonAndDrainSendTheReasonUncordonSendsNoBody() throws Exception {
    server.onJson("POST", "/api/v1/nodes/n1/cordon", 200, Fixtures.node("n1", true));
    server.onJson("POST", "/api/v1/nodes/n1/drain", 200, Fixtures.node("n1", true));
    server.onJson("POST", "/api/v1/nodes/n1/uncordon", 200, Fixtures.node("n1", false));

    CliRun.Result cordon = cli.run("cordon", "n1", "--reason", "bad fan");
    CliRun.Result drain = cli.run("drain", "n1");
    CliRun.Result uncordon = cli.run("uncordon", "n1");

    assertEquals("node n1 cordoned (Ready,Cordoned)\n", cordon.out());
    assertEquals("node n1 draining (Ready,Cordoned)\n", drain.out());
    assertEquals("node n1 schedulable again (Ready)\n", uncordon.out());
    assertEquals(new CordonRequest("bad fan"), Json.mapper().readValue(server.requests.get(0).body(), CordonRequest.class));
    assertEquals("application/json", server.requests.get(0).header("Content-Type"));
    assertEquals(0, server.requests.get(1).body().length);
    assertEquals(0, server.requests.get(2).body().length);
  }
}
