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
  void describeNodeShowsGpuHealthTopologyTelemetryAndHistory() {
    java.time.Instant t0 = java.time.Instant.parse("2026-12-03T10:00:00Z");
    NodeView base = Fixtures.node("gpu-node-3", true);
    NodeView node = new NodeView(base.name(), base.address(), base.status(), false, true, false,
        "2 of 2 GPUs unhealthy (GPU 0: XID 79: GPU has fallen off the bus; GPU 1: GPU is lost)", base.backend(),
        base.driverVersion(), base.agentVersion(), base.cpus(), base.memoryBytes(), base.labels(), base.gpuCount(), 0,
        List.of(new dev.drover.protocol.api.GpuView(0, "GPU-aaa", "NVIDIA H100 80GB HBM3", 80L << 30, "0000:18:00.0", "Unhealthy",
            null, 0, 0L, 40, 80.0, "XID 79: GPU has fallen off the bus", false),
            new dev.drover.protocol.api.GpuView(1, "GPU-bbb", "NVIDIA H100 80GB HBM3", 80L << 30, "0000:2a:00.0", "Healthy",
            null, 0, 0L, 40, 80.0, null, false)),
        List.of(), base.registeredAt(), base.lastSeenAt(), "Healthy", true, 1);
    var xid = new dev.drover.protocol.api.HealthConditionView("XID", "Unhealthy", "XID 79: GPU has fallen off the bus", t0, 79);
    List<dev.drover.protocol.api.TelemetryPoint> points = List.of(
        new dev.drover.protocol.api.TelemetryPoint(t0, 0, 0L, 30, 70.0, 345, List.of()),
        new dev.drover.protocol.api.TelemetryPoint(t0.plusSeconds(5), 50, 0L, 60, 400.0, 1980, List.of()),
        new dev.drover.protocol.api.TelemetryPoint(t0.plusSeconds(10), 100, 0L, 90, 700.0, 1755, List.of("HW_THERMAL_SLOWDOWN")));
    var h1 = new dev.drover.protocol.api.HealthEventView("GPU_HEALTH", 0, "GPU-aaa", "Healthy", "Unhealthy", xid.reason(), t0);
    var h2 = new dev.drover.protocol.api.HealthEventView("GPU_HEALTH", 1, "GPU-bbb", "Unhealthy", "Healthy", "GPU 1 healthy again", t0.plusSeconds(9));
    var h3 = new dev.drover.protocol.api.HealthEventView("AUTO_CORDON", null, null, null, null, "2 of 2 GPUs unhealthy", t0.plusSeconds(1));
    var gpus = new dev.drover.protocol.api.NodeGpus("gpu-node-3", "Healthy", List.of(), true, List.of(
        new dev.drover.protocol.api.GpuDetail(0, "GPU-aaa", "NVIDIA H100 80GB HBM3", "1650000000001", "Disabled", "0000:18:00.0",
            80L << 30, 0, "Unhealthy", false, List.of(xid), t0, null, points.get(2), points, List.of(h1)),
        new dev.drover.protocol.api.GpuDetail(1, "GPU-bbb", "NVIDIA H100 80GB HBM3", "1650000000002", "Disabled", "0000:2a:00.0",
            80L << 30, 0, "Healthy", false, List.of(), t0.plusSeconds(9), null, points.get(2), points, List.of(h2))),
        List.of(new dev.drover.protocol.agent.GpuLink(0, 1, "NVLINK", 18)), List.of(h3));
    server.onJson("GET", "/api/v1/nodes/gpu-node-3", 200, node);
    server.onJson("GET", "/api/v1/nodes/gpu-node-3/gpus", 200, gpus);

    String out = cli.run("describe-node", "gpu-node-3").out();

    assertTrue(out.contains("Cordoned:     automatically (GPU health): 2 of 2 GPUs unhealthy (GPU 0: XID 79"), out);
    assertTrue(out.contains("Health:       Healthy, 1 of 2 GPUs unhealthy\n"), out);
    assertTrue(out.contains("  0       NVIDIA H100 80GB HBM3   80Gi     Unhealthy        -"), out);
    assertTrue(out.contains("Healthy (held)"), out);
    assertTrue(out.contains("GPU health:\n  GPU 0  Unhealthy since 2026-12-03 10:00:00Z"), out);
    assertTrue(out.contains(": XID 79: GPU has fallen off the bus\n"), out);
    assertTrue(out.contains("  GPU 1  Healthy since"), out);
    assertTrue(out.contains("healthy again, held out of placement for the recovery hold"), out);
    assertTrue(out.contains("GPU0   X      NV18"), out);
    assertTrue(out.contains("Telemetry (3 samples over 10s):"), out);
    assertTrue(out.contains("▁▅█ 100"), out);
    assertTrue(out.contains("HW_THERMAL_SLOWDOWN"), out);
    int a = out.indexOf("Healthy -> Unhealthy");
    int b = out.indexOf("cordoned automatically");
    int c = out.indexOf("Unhealthy -> Healthy");
    assertTrue(a > 0 && a < b && b < c, "history in time order:\n" + out);
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
