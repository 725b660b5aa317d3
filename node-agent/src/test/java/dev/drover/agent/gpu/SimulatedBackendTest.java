package dev.drover.agent.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drover.protocol.agent.GpuDevice;
import dev.drover.protocol.agent.GpuSample;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SimulatedBackendTest {
  @Test
  void inventoryIsDeterministicPerNode() {
    SimulatedBackend a = new SimulatedBackend("gpu-01", 4, "NVIDIA H100 80GB HBM3", 80L << 30);
    SimulatedBackend again = new SimulatedBackend("gpu-01", 4, "NVIDIA H100 80GB HBM3", 80L << 30);
    SimulatedBackend other = new SimulatedBackend("gpu-02", 4, "NVIDIA H100 80GB HBM3", 80L << 30);
    assertEquals(a.inventory(), again.inventory());
    assertNotEquals(a.inventory().gpus().get(0).uuid(), other.inventory().gpus().get(0).uuid());
    List<GpuDevice> gpus = a.inventory().gpus();
    assertEquals(4, gpus.size());
    assertEquals(4, gpus.stream().map(GpuDevice::uuid).distinct().count());
    assertEquals(4, gpus.stream().map(GpuDevice::pciBusId).distinct().count());
    for (GpuDevice g : gpus) {
      assertTrue(g.uuid().matches("GPU-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), g.uuid());
      assertTrue(g.pciBusId().matches("00000000:[0-9A-F]{2}:00\\.0"), g.pciBusId());
      assertEquals(80L << 30, g.memoryBytes());
    }
    assertEquals("simulated", a.inventory().backend());
  }

  @Test
  void inventoryIsAnHgxBoardWithSerialsAndHalves() {
    SimulatedBackend b = new SimulatedBackend("gpu-01", 8, "NVIDIA H100 80GB HBM3", 80L << 30);
    GpuInventory inv = b.inventory();
    assertEquals(28, inv.topology().size());
    assertTrue(inv.topology().stream().allMatch(l -> l.path().equals("NVLINK") && l.nvlinks() == 18));
    for (GpuDevice g : inv.gpus()) {
      assertTrue(g.serial().matches("16520\\d{8}"), g.serial());
      assertEquals("Disabled", g.migMode());
      assertEquals(g.index() < 4 ? 0 : 1, g.topologyDomain());
    }
    assertEquals(8, inv.gpus().stream().map(GpuDevice::serial).distinct().count());
    assertEquals(inv.gpus().get(3).serial(), new SimulatedBackend("gpu-01", 8, "x", 1).inventory().gpus().get(3).serial());
  }

  @Test
  void faultsShowInReadingsAndTelemetryAndClearLikeAReset() {
    SimulatedBackend b = new SimulatedBackend("gpu-01", 4, "NVIDIA H100 80GB HBM3", 80L << 30);
    List<GpuEvent> events = new java.util.ArrayList<>();
    b.watch(events::add);
    b.inject(1, FaultKind.ECC_DBE, 2L);
    b.inject(1, FaultKind.ECC_DBE, 1L);
    b.inject(0, FaultKind.TEMPERATURE, 95L);
    b.inject(2, FaultKind.GPU_LOST, null);
    b.inject(3, FaultKind.XID, 79L);
    b.inject(null, FaultKind.NVML_FAILURE, null);
    HealthReadings r = b.readHealth();
    assertEquals(1, r.nodeFaults().size());
    assertTrue(r.gpus().get(2).lost());
    b.clear(null);
    b.inject(1, FaultKind.ECC_DBE, 3L);
    b.inject(0, FaultKind.TEMPERATURE, 95L);
    r = b.readHealth();
    assertEquals(3L, r.gpus().get(1).eccDbeVolatile());
    assertEquals(95, r.gpus().get(0).temperatureC());
    GpuSample hot = b.sample().get(0);
    assertEquals(95, hot.temperatureC());
    assertTrue(hot.throttleReasons().contains("HW_THERMAL_SLOWDOWN"), hot.toString());
    assertTrue(events.stream().anyMatch(e -> e instanceof GpuEvent.Xid x && x.gpu() == 3 && x.xid() == 79), events.toString());
    assertTrue(events.contains(new GpuEvent.Reset(null)));
    assertEquals(2, b.injected().size());
    b.clear(1);
    assertEquals(1, b.injected().size());
    assertEquals(0L, b.readHealth().gpus().get(1).eccDbeVolatile());
    assertEquals(95, b.readHealth().gpus().get(0).temperatureC());
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> b.inject(4, FaultKind.XID, 79L));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> b.inject(0, FaultKind.NVML_FAILURE, null));
  }

  @Test
  void telemetryFollowsLoad() {
    SimulatedBackend b = new SimulatedBackend("gpu-01", 3, "NVIDIA H100 80GB HBM3", 80L << 30);
    b.markBusy(Set.of(1));
    for (int i = 0; i < 20; i++) {
      List<GpuSample> s = b.sample();
      assertTrue(s.get(1).utilizationPercent() >= 90, "busy GPU utilization " + s.get(1));
      assertTrue(s.get(0).utilizationPercent() <= 5, "idle GPU utilization " + s.get(0));
      assertTrue(s.get(1).temperatureC() > s.get(0).temperatureC());
      assertTrue(s.get(1).powerWatts() > s.get(0).powerWatts());
      assertTrue(s.get(1).memoryUsedBytes() > s.get(2).memoryUsedBytes());
    }
    b.markBusy(Set.of());
    assertTrue(b.sample().get(1).utilizationPercent() <= 5);
  }
}
