package dev.drover.agent.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.drover.protocol.agent.GpuDevice;
import dev.drover.protocol.agent.GpuLink;
import dev.drover.protocol.agent.GpuSample;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JNA binding against a fake libnvidia-ml.so.1 built from src/test/c/fake_nvml.c. */
class NvmlBackendTest {
  static Path fake;
  @TempDir Path dir;
  Path script;

  @BeforeAll
  static void compileFakeLibrary() throws Exception {
    fake = FakeNvml.library();
    assumeTrue(fake != null, "gcc is not available");
  }

  @BeforeEach
  void emptyScript() throws Exception {
    script = dir.resolve("script");
    FakeNvml.script(script);
  }

  @Test
  void inventoryComesThroughExactly() {
    try (NvmlBackend nvml = NvmlBackend.open(fake.toString())) {
      GpuInventory inv = nvml.inventory();
      assertEquals("nvml", inv.backend());
      assertEquals("580.65.06", inv.driverVersion());
      assertEquals(
          List.of(
              new GpuDevice(0, "GPU-11111111-2222-3333-4444-555555555555", "NVIDIA H100 80GB HBM3", 85520809984L,
                  "00000000:1B:00.0", 0, "1654922001234", "Disabled"),
              new GpuDevice(1, "GPU-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "NVIDIA H100 80GB HBM3", 85520809984L,
                  "00000000:43:00.0", 0, "1654922005678", "Enabled"),
              new GpuDevice(2, "GPU-22222222-3333-4444-5555-666666666666", "NVIDIA A100-PCIE-40GB", 42949672960L,
                  "00000000:81:00.0", 1, "1324021009999", "Disabled"),
              new GpuDevice(3, "GPU-33333333-4444-5555-6666-777777777777", "NVIDIA A100-PCIE-40GB", 42949672960L,
                  "00000000:82:00.0", 1, null, null)),
          inv.gpus());
      assertEquals(
          List.of(
              new GpuLink(0, 1, "NVLINK", 4),
              new GpuLink(0, 2, "SYS", 0),
              new GpuLink(0, 3, "SYS", 0),
              new GpuLink(1, 2, "SYS", 0),
              new GpuLink(1, 3, "SYS", 0),
              new GpuLink(2, 3, "PIX", 0)),
          inv.topology());
    }
  }

  @Test
  void samplesCarryClocksAndReasonsAndUnsupportedIsMinusOne() {
    try (NvmlBackend nvml = NvmlBackend.open(fake.toString())) {
      assertEquals(
          List.of(
              new GpuSample(0, 97, 1234567890L, 71, 612.345, 1980, List.of()),
              new GpuSample(1, 3, 5000000000L, 34, -1.0, 345, List.of("GPU_IDLE")),
              new GpuSample(2, 0, 1000000L, 40, 80.0, 1410, List.of("SW_POWER_CAP")),
              new GpuSample(3, 0, 1000000L, 41, 80.0, 210, List.of("GPU_IDLE"))),
          nvml.sample());
    }
  }

  @Test
  void olderDriversFallBackToThrottleReasons() throws Exception {
    FakeNvml.script(script, "fail nvmlDeviceGetCurrentClocksEventReasons 13", "reasons 0 0x68", "clock 0 1095");
    try (NvmlBackend nvml = NvmlBackend.open(fake.toString())) {
      GpuSample s = nvml.sample().get(0);
      assertEquals(List.of("HW_SLOWDOWN", "SW_THERMAL_SLOWDOWN", "HW_THERMAL_SLOWDOWN"), s.throttleReasons());
      assertEquals(1095, s.smClockMhz());
    }
  }

  @Test
  void healthReadingsComeThroughExactly() throws Exception {
    FakeNvml.script(script, "ecc_sbe 0 12", "ecc_dbe 0 3", "retired_pages 0 5 2", "retired_pending 0 1",
        "remap_rows 0 7 1", "remap_pending 0 1", "remap_failure 0 1", "temp 0 88", "pcie_replay 0 4000000000",
        "nvlink_errors 0 9");
    try (NvmlBackend nvml = NvmlBackend.open(fake.toString())) {
      HealthReadings r = nvml.readHealth();
      assertEquals(List.of(), r.nodeFaults());
      assertEquals(new GpuReadings(0, "GPU-11111111-2222-3333-4444-555555555555", 12L, 3L, 7, true, true, true, 88, 87, 92,
          4_000_000_000L, 9L, false), r.gpus().get(0));
      // no NVLink on the PCIe cards: no counter, not zero
      assertNull(r.gpus().get(2).nvlinkErrors());
      assertEquals(0L, r.gpus().get(1).nvlinkErrors());
    }
  }

  @Test
  void unsupportedReadingsAreSkippedAndALostGpuIsLost() throws Exception {
    try (NvmlBackend nvml = NvmlBackend.open(fake.toString())) {
      FakeNvml.script(script, "fail nvmlDeviceGetRemappedRows 3", "fail nvmlDeviceGetPcieReplayCounter 3 1", "lost 2");
      HealthReadings r = nvml.readHealth();
      assertNull(r.gpus().get(0).rowRemapPending());
      assertNull(r.gpus().get(0).rowRemapFailure());
      assertEquals(0L, r.gpus().get(0).pcieReplays());
      assertNull(r.gpus().get(1).pcieReplays());
      assertTrue(r.gpus().get(2).lost());
      assertEquals(List.of(), r.nodeFaults());
      assertEquals(-1, nvml.sample().get(2).utilizationPercent());
    }
  }

  @Test
  void aGpuLostAtStartKeepsItsIndexAndTheOthersWork() throws Exception {
    FakeNvml.script(script, "lost 1");
    try (NvmlBackend nvml = NvmlBackend.open(fake.toString())) {
      assertEquals("GPU-lost-at-start-1", nvml.inventory().gpus().get(1).uuid());
      assertEquals("GPU-22222222-3333-4444-5555-666666666666", nvml.inventory().gpus().get(2).uuid());
      assertTrue(nvml.readHealth().gpus().get(1).lost());
      assertEquals(List.of(new GpuLink(2, 3, "PIX", 0)), nvml.inventory().topology().stream()
          .filter(l -> l.a() != 1 && l.b() != 1 && l.a() != 0).toList());
    }
  }

  @Test
  void nvmlAnsweringOnlyErrorsIsANodeFault() throws Exception {
    try (NvmlBackend nvml = NvmlBackend.open(fake.toString())) {
      FakeNvml.script(script, "fail_all 999");
      HealthReadings r = nvml.readHealth();
      assertEquals(1, r.nodeFaults().size());
      assertEquals("NVML_FAILURE", r.nodeFaults().get(0).code());
      assertTrue(r.nodeFaults().get(0).reason().contains("Unknown Error (nvmlReturn_t 999)"), r.nodeFaults().get(0).reason());
    }
  }

  @Test
  void initFailureIsReadable() throws Exception {
    NvmlException e = assertThrows(NvmlException.class, () -> NvmlBackend.open(FakeNvml.failing().toString()));
    assertEquals("nvmlInit_v2 failed: Driver Not Loaded (nvmlReturn_t 9)", e.getMessage());
    assertEquals(9, e.code());
  }

  @Test
  void busIdsMatchWhateverTheDomainWidth() {
    assertEquals(NvmlBackend.normalizeBusId("00000000:1B:00.0"), NvmlBackend.normalizeBusId("0000:1b:00.0"));
  }

  @Test
  void missingLibraryFallsBackToEightSimulatedGpus() {
    GpuBackends.Choice choice = new GpuBackends.Choice("node-a", null, SimulatedBackend.DEFAULT_MODEL,
        SimulatedBackend.DEFAULT_MEMORY_BYTES, "/nonexistent/libnvidia-ml.so.1", true);
    try (GpuBackend b = GpuBackends.open(choice)) {
      assertEquals("simulated", b.inventory().backend());
      assertEquals(8, b.inventory().gpus().size());
    }
  }

  @Test
  void missingLibraryIsFatalWithoutFallback() {
    GpuBackends.Choice choice = new GpuBackends.Choice("node-a", null, SimulatedBackend.DEFAULT_MODEL,
        SimulatedBackend.DEFAULT_MEMORY_BYTES, "/nonexistent/libnvidia-ml.so.1", false);
    NvmlException e = assertThrows(NvmlException.class, () -> GpuBackends.open(choice));
    assertTrue(e.getMessage().contains("/nonexistent/libnvidia-ml.so.1"), e.getMessage());
    assertTrue(e.getMessage().contains("--no-simulate-fallback"), e.getMessage());
  }

  @Test
  void nvmlIsChosenWhenItWorks() {
    GpuBackends.Choice choice = new GpuBackends.Choice("node-a", null, SimulatedBackend.DEFAULT_MODEL,
        SimulatedBackend.DEFAULT_MEMORY_BYTES, fake.toString(), false);
    try (GpuBackend b = GpuBackends.open(choice)) {
      assertEquals("nvml", b.inventory().backend());
      assertEquals(4, b.inventory().gpus().size());
    }
  }
}
