package dev.drover.agent.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.drover.agent.Await;
import dev.drover.agent.gpu.FakeNvml;
import dev.drover.agent.gpu.NvmlBackend;
import dev.drover.protocol.agent.AgentMessage;
import dev.drover.protocol.agent.GpuHealth;
import dev.drover.protocol.agent.HealthCondition;
import dev.drover.protocol.agent.HealthStatus;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every fault class and the XID event thread through the real NVML binding (fake library) and the monitor. */
class NvmlHealthMonitorTest {
  static Path fake;
  @TempDir Path dir;
  Path script;
  NvmlBackend nvml;
  HealthMonitor monitor;
  final List<AgentMessage.Health> seen = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void compileFakeLibrary() throws Exception {
    fake = FakeNvml.library();
    assumeTrue(fake != null, "gcc is not available");
  }

  @BeforeEach
  void start() throws Exception {
    script = dir.resolve("script");
    FakeNvml.script(script);
    nvml = NvmlBackend.open(fake.toString());
    // an hour: only refresh() and events read, so each change is caused by the test
    monitor = new HealthMonitor(nvml, HealthPolicy.defaults(), Duration.ofHours(1), Clock.systemUTC(), seen::add);
    monitor.start();
  }

  @AfterEach
  void stop() {
    if (monitor != null) {
      monitor.close();
    }
    if (nvml != null) {
      nvml.close();
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    "ecc_dbe 1 2           | 1 | ECC_DBE               | UNHEALTHY",
    "ecc_sbe 0 5000        | 0 | ECC_SBE               | DEGRADED",
    "retired_pending 0 1   | 0 | RETIRED_PAGES_PENDING | DEGRADED",
    "retired_pages 2 40 30 | 2 | RETIRED_PAGES         | DEGRADED",
    "remap_pending 1 1     | 1 | ROW_REMAP_PENDING     | DEGRADED",
    "remap_failure 1 1     | 1 | ROW_REMAP_FAILURE     | UNHEALTHY",
    "temp 0 88             | 0 | THERMAL_SLOWDOWN      | DEGRADED",
    "temp 0 95             | 0 | THERMAL_SHUTDOWN      | UNHEALTHY",
    "pcie_replay 2 500     | 2 | PCIE_REPLAY           | DEGRADED",
    "nvlink_errors 0 3     | 0 | NVLINK_ERRORS         | DEGRADED",
    "lost 1                | 1 | GPU_LOST              | UNHEALTHY",
  })
  void eachFaultClass(String line, int gpu, String code, HealthStatus status) throws Exception {
    assertTrue(monitor.current().gpus().stream().allMatch(g -> g.status() == HealthStatus.HEALTHY), monitor.current().toString());
    FakeNvml.script(script, line);
    AgentMessage.Health h = monitor.refresh().get();
    GpuHealth g = h.gpus().get(gpu);
    assertEquals(status, g.status(), h.toString());
    assertEquals(List.of(code), g.conditions().stream().map(HealthCondition::code).toList());
    assertEquals(h, seen.get(seen.size() - 1), "the listener heard of the change");
    for (GpuHealth other : h.gpus()) {
      if (other.index() != gpu) {
        assertEquals(HealthStatus.HEALTHY, other.status(), "GPU " + other.index());
      }
    }
    FakeNvml.script(script);
    if (!code.equals("PCIE_REPLAY") && !code.equals("NVLINK_ERRORS")) {
      assertEquals(HealthStatus.HEALTHY, monitor.refresh().get().gpus().get(gpu).status(), "cleared with the reading");
    } else {
      // the counter went back to 0: a reset, so the burst is over
      assertEquals(HealthStatus.HEALTHY, monitor.refresh().get().gpus().get(gpu).status());
    }
  }

  @Test
  void nvmlFailingAsAWholeIsANodeCondition() throws Exception {
    FakeNvml.script(script, "fail_all 999");
    AgentMessage.Health h = monitor.refresh().get();
    assertEquals("NVML_FAILURE", h.node().get(0).code());
    assertEquals(HealthStatus.UNHEALTHY, h.node().get(0).status());
    FakeNvml.script(script);
    Await.until(() -> monitor.current().node().isEmpty() || refreshed().node().isEmpty(), "NVML_FAILURE to clear");
  }

  private AgentMessage.Health refreshed() {
    return monitor.refresh().join();
  }

  @Test
  void xidsArriveThroughTheEventThreadAtOnce() throws Exception {
    FakeNvml.script(script, "xid 0 79", "xid 1 13", "xid 2 94");
    Await.until(() -> monitor.recentXids().size() == 3, "three XIDs through nvmlEventSetWait_v2");
    Await.until(() -> monitor.current().gpus().get(2).status() == HealthStatus.DEGRADED, "XID 94 applied");
    AgentMessage.Health h = monitor.current();
    assertEquals(HealthStatus.UNHEALTHY, h.gpus().get(0).status());
    assertEquals(new HealthCondition("XID", HealthStatus.UNHEALTHY, "XID 79: GPU has fallen off the bus",
        h.gpus().get(0).conditions().get(0).since(), 79), h.gpus().get(0).conditions().get(0));
    assertEquals(HealthStatus.HEALTHY, h.gpus().get(1).status(), "XID 13 is the application's");
    assertEquals(List.of(79L, 13L, 94L), monitor.recentXids().stream().map(RecordedXid::xid).toList());
    assertEquals(HealthStatus.HEALTHY, monitor.recentXids().get(1).verdict());
    // delivered once: a new reading does not repeat them
    FakeNvml.script(script, "xid 0 79", "xid 1 13", "xid 2 94", "xid 3 79");
    monitor.refresh().get();
    assertEquals(3, monitor.recentXids().size(), "GPU 3 does not support XID events: not registered");
  }

  @Test
  void eccEventsMakeTheMonitorReadAtOnce() throws Exception {
    FakeNvml.script(script, "ecc_dbe 0 1");
    // the monitor's own interval is an hour: only the double-bit ECC event can have caused this
    Await.until(() -> monitor.current().gpus().get(0).status() == HealthStatus.UNHEALTHY, "the ECC event to trigger a reading");
    assertEquals("ECC_DBE", monitor.current().gpus().get(0).conditions().get(0).code());
  }
}
