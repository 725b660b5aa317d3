package dev.drover.coordinator.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drover.protocol.api.GpuView;
import dev.drover.protocol.api.NodeView;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The per-GPU switch (drover.metrics.per-gpu) and the per-node aggregates, on node views built here. */
class ClusterGaugesTest {
  private static final Instant NOW = Instant.parse("2026-12-03T10:00:00Z");

  private static NodeView node(String name, int gpus) {
    List<GpuView> g = new ArrayList<>();
    for (int i = 0; i < gpus; i++) {
      g.add(new GpuView(i, name + "-uuid-" + i, "Simulated GPU", 80L << 30, null, i == 0 ? "Unhealthy" : "Healthy",
          i == 1 ? "job/0" : null, 10 * (i + 1), 1_000L * (i + 1), 40 + i, 100.0 + i));
    }
    return new NodeView(name, "127.0.0.1", "Ready", true, false, false, null, "simulated", "sim", "test", 64, 1L << 30,
        Map.of(), gpus, 1, g, List.of(), NOW, NOW.minusSeconds(2));
  }

  private static List<NodeView> cluster(int nodes, int gpusEach) {
    List<NodeView> v = new ArrayList<>();
    for (int i = 1; i <= nodes; i++) v.add(node("n" + i, gpusEach));
    return v;
  }

  private static ClusterGauges gauges(String perGpu, int maxGpus) {
    MetricsSettings s = new MetricsSettings(true, false, false, Duration.ofSeconds(5), perGpu, maxGpus);
    assertEquals(List.of(), s.problems());
    return new ClusterGauges(null, null, null, Clock.systemUTC(), s);
  }

  private static final List<String> PER_GPU = List.of("drover.gpu.allocated", "drover.gpu.healthy",
      "drover.gpu.utilization.ratio", "drover.gpu.memory.used.bytes", "drover.gpu.memory.total.bytes",
      "drover.gpu.temperature.celsius", "drover.gpu.power.watts");

  @Test
  void autoExportsPerGpuSeriesUpToTheLimitAndPerNodeAggregatesAlways() {
    ClusterGauges g = gauges("auto", 16);
    g.refreshNodes(cluster(2, 8), NOW);
    assertTrue(g.perGpuExported());
    for (String name : PER_GPU) assertEquals(16, g.lastRound(name).size(), name);
    assertEquals(2, g.lastRound("drover.node.gpu.utilization.ratio").size());

    // 17 GPUs: over the limit, only the per-node series remain
    List<NodeView> bigger = cluster(2, 8);
    bigger.add(node("n3", 1));
    g.refreshNodes(bigger, NOW);
    assertFalse(g.perGpuExported());
    for (String name : PER_GPU) assertEquals(Map.of(), g.lastRound(name), name);
    assertEquals(3, g.lastRound("drover.node.gpu.utilization.ratio").size());
    assertEquals(17, g.lastRound("drover.gpus").values().stream().mapToDouble(Double::doubleValue).sum());
  }

  @Test
  void perNodeAggregatesSummarizeTheNodesGpus() {
    ClusterGauges g = gauges("off", 1_000);
    g.refreshNodes(List.of(node("a", 4)), NOW);
    Map<String, String> a = Map.of("node", "a");
    // utilization 10, 20, 30, 40 % -> mean 0.25; memory 1000..4000 -> 10000; hottest 43 C; power 100..103 -> 406 W
    assertEquals(0.25, g.lastRound("drover.node.gpu.utilization.ratio").get(a), 1e-9);
    assertEquals(10_000, g.lastRound("drover.node.gpu.memory.used.bytes").get(a));
    assertEquals(4.0 * (80L << 30), g.lastRound("drover.node.gpu.memory.total.bytes").get(a));
    assertEquals(43, g.lastRound("drover.node.gpu.temperature.celsius").get(a));
    assertEquals(406, g.lastRound("drover.node.gpu.power.watts").get(a), 1e-9);
    assertEquals(1, g.lastRound("drover.gpus.unhealthy").get(Map.of("node", "a", "model", "Simulated GPU")));
    assertEquals(1, g.lastRound("drover.gpus.allocated").get(Map.of("node", "a", "model", "Simulated GPU")));
    for (String name : PER_GPU) assertEquals(Map.of(), g.lastRound(name), name);
  }

  @Test
  void onExportsPerGpuSeriesWhateverTheSize() {
    ClusterGauges g = gauges("on", 0);
    g.refreshNodes(cluster(3, 8), NOW);
    assertTrue(g.perGpuExported());
    assertEquals(24, g.lastRound("drover.gpu.temperature.celsius").size());
    assertEquals(1.0, g.lastRound("drover.gpu.allocated").get(
        Map.of("node", "n2", "gpu", "1", "uuid", "n2-uuid-1", "model", "Simulated GPU")));
  }

  @Test
  void aBadSwitchIsAProblemNamingTheSetting() {
    MetricsSettings s = new MetricsSettings(true, false, false, Duration.ofSeconds(5), "sometimes", -1);
    assertEquals(List.of("drover.metrics.per-gpu must be auto, on or off, got 'sometimes'",
        "drover.metrics.per-gpu-max-gpus must be 0 or more, got -1"), s.problems());
  }
}
