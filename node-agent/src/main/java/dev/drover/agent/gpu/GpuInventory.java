package dev.drover.agent.gpu;

import dev.drover.protocol.agent.GpuDevice;
import java.util.List;

/**
 * What a backend found.
 *
 * @param backend "nvml" or "simulated", as {@link dev.drover.protocol.agent.NodeInventory} reports it
 */
public record GpuInventory(String backend, String driverVersion, List<GpuDevice> gpus) {
  public GpuInventory {
    gpus = List.copyOf(gpus);
  }
}
