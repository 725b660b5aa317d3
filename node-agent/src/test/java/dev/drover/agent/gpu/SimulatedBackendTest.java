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
