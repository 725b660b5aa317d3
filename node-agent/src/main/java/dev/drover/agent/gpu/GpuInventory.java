package dev.drover.agent.gpu;

import dev.drover.protocol.agent.GpuDevice;
import dev.drover.protocol.agent.GpuLink;
import java.util.List;

/**
 * What a backend found.
 *
 * @param backend "nvml" or "simulated", as {@link dev.drover.protocol.agent.NodeInventory} reports it
 * @param topology how each pair of GPUs is connected (empty when unknown)
 */
public record GpuInventory(String backend, String driverVersion, List<GpuDevice> gpus, List<GpuLink> topology) {
  public GpuInventory {
    gpus = List.copyOf(gpus);
    topology = topology == null ? List.of() : List.copyOf(topology);
  }

  public GpuInventory(String backend, String driverVersion, List<GpuDevice> gpus) {
    this(backend, driverVersion, gpus, List.of());
  }
}
