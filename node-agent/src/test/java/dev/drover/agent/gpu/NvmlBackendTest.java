package dev.drover.agent.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.drover.protocol.agent.GpuDevice;
import dev.drover.protocol.agent.GpuSample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The JNA binding against a fake libnvidia-ml.so.1 built from src/test/c/fake_nvml.c. */
class NvmlBackendTest {
  static Path fake;
  static Path failing;

  @BeforeAll
  static void compileFakeLibrary() throws Exception {
    Path out = Path.of("target", "fake-nvml").toAbsolutePath();
    Files.createDirectories(out.resolve("failing"));
    fake = out.resolve("libnvidia-ml.so.1");
    failing = out.resolve("failing").resolve("libnvidia-ml.so.1");
    assumeTrue(gcc(fake, List.of()), "gcc is not available");
    assertTrue(gcc(failing, List.of("-DFAKE_FAIL_INIT=9")), "gcc failed on the failing variant");
  }

  private static boolean gcc(Path target, List<String> defines) throws IOException, InterruptedException {
    Path source = Path.of("src", "test", "c", "fake_nvml.c").toAbsolutePath();
    List<String> cmd = new java.util.ArrayList<>(List.of("gcc", "-shared", "-fPIC", "-Wall", "-Werror"));
    cmd.addAll(defines);
    cmd.addAll(List.of("-o", target.toString(), source.toString()));
    Process p;
    try {
      p = new ProcessBuilder(cmd).inheritIO().start();
    } catch (IOException e) {
      return false;
    }
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "gcc timed out");
    return p.exitValue() == 0;
  }

  @Test
  void inventoryComesThroughExactly() {
    try (NvmlBackend nvml = NvmlBackend.open(fake.toString())) {
      GpuInventory inv = nvml.inventory();
      assertEquals("nvml", inv.backend());
      assertEquals("580.65.06", inv.driverVersion());
      assertEquals(
          List.of(
              new GpuDevice(0, "GPU-11111111-2222-3333-4444-555555555555", "NVIDIA H100 80GB HBM3", 85520809984L, "00000000:1B:00.0"),
              new GpuDevice(1, "GPU-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "NVIDIA H100 80GB HBM3", 85520809984L, "00000000:43:00.0")),
          inv.gpus());
    }
  }

  @Test
  void samplesComeThroughExactlyAndUnsupportedIsMinusOne() {
    try (NvmlBackend nvml = NvmlBackend.open(fake.toString())) {
      List<GpuSample> s = nvml.sample();
      assertEquals(List.of(new GpuSample(0, 97, 1234567890L, 71, 612.345), new GpuSample(1, 3, 5000000000L, 34, -1.0)), s);
    }
  }

  @Test
  void initFailureIsReadable() {
    NvmlException e = assertThrows(NvmlException.class, () -> NvmlBackend.open(failing.toString()));
    assertEquals("nvmlInit_v2 failed: Driver Not Loaded (nvmlReturn_t 9)", e.getMessage());
    assertEquals(9, e.code());
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
      assertEquals(2, b.inventory().gpus().size());
    }
  }
}
