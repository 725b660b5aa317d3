package dev.drover.protocol.agent;

import java.util.List;
import java.util.Map;

/**
 * What a node offers: its GPUs, CPUs, memory, labels and the ports it lends to rank-0 replicas.
 *
 * @param backend "nvml" when read from the real driver, "simulated" otherwise
 * @param driverVersion NVIDIA driver version, or "simulated"
 * @param portRangeStart first port of the range MASTER_PORTs are assigned from (inclusive)
 * @param portRangeEnd last port of that range (inclusive)
 * @param topology how each pair of GPUs is connected (empty when unknown)
 */
public record NodeInventory(
    String backend,
    String driverVersion,
    List<GpuDevice> gpus,
    int cpus,
    long memoryBytes,
    Map<String, String> labels,
    int portRangeStart,
    int portRangeEnd,
    List<GpuLink> topology) {

  public NodeInventory {
    topology = topology == null ? List.of() : List.copyOf(topology);
  }

  /** An inventory without a topology matrix. */
  public NodeInventory(
      String backend, String driverVersion, List<GpuDevice> gpus, int cpus, long memoryBytes, Map<String, String> labels,
      int portRangeStart, int portRangeEnd) {
    this(backend, driverVersion, gpus, cpus, memoryBytes, labels, portRangeStart, portRangeEnd, List.of());
  }
}
