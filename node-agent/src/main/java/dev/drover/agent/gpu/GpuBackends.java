package dev.drover.agent.gpu;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Chooses the GPU backend of an agent: simulated when asked, else NVML with a simulated fallback. */
public final class GpuBackends {
  /** GPUs a simulated fallback node gets: one HGX board. */
  public static final int FALLBACK_GPUS = 8;

  private static final Logger log = LoggerFactory.getLogger(GpuBackends.class);

  private GpuBackends() {}

  /**
   * What the operator asked for.
   *
   * @param simulateGpus a count to simulate, or null to try NVML
   * @param nvmlLibrary library name or path, or null for the default
   * @param fallbackToSimulated whether an NVML failure falls back to {@link #FALLBACK_GPUS}
   *     simulated GPUs instead of failing
   */
  public record Choice(
      String nodeName,
      Integer simulateGpus,
      String gpuModel,
      long gpuMemoryBytes,
      String nvmlLibrary,
      boolean fallbackToSimulated) {}

  /**
   * Opens the backend, logging which one and why.
   *
   * @throws NvmlException when NVML fails and fallback is off
   */
  public static GpuBackend open(Choice choice) {
    if (choice.simulateGpus() != null) {
      log.info("Using {} simulated GPUs ({}) as requested", choice.simulateGpus(), choice.gpuModel());
      return simulated(choice, choice.simulateGpus());
    }
    String reason;
    try {
      NvmlBackend nvml = NvmlBackend.open(choice.nvmlLibrary());
      GpuInventory inv = nvml.inventory();
      if (!inv.gpus().isEmpty()) {
        log.info(
            "Using NVML ({}): driver {}, {} GPU(s): {}",
            nvml.libraryName(), inv.driverVersion(), inv.gpus().size(), inv.gpus().get(0).name());
        return nvml;
      }
      nvml.close();
      reason = "NVML reports 0 GPUs";
    } catch (NvmlException e) {
      reason = e.getMessage();
    }
    if (!choice.fallbackToSimulated()) {
      throw new NvmlException("NVML not available (" + reason + ") and --no-simulate-fallback is set", -1);
    }
    log.warn("NVML not available ({}); using {} simulated GPUs", reason, FALLBACK_GPUS);
    return simulated(choice, FALLBACK_GPUS);
  }

  private static GpuBackend simulated(Choice choice, int count) {
    return new SimulatedBackend(choice.nodeName(), count, choice.gpuModel(), choice.gpuMemoryBytes());
  }
}
