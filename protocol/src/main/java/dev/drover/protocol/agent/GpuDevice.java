package dev.drover.protocol.agent;

/**
 * One GPU as the agent found it.
 *
 * @param index NVML index (PCI bus order)
 * @param uuid NVML UUID, e.g. GPU-5d2c...
 * @param name product name, e.g. NVIDIA H100 80GB HBM3
 * @param memoryBytes total framebuffer memory
 * @param pciBusId PCI bus id, e.g. 00000000:1B:00.0
 * @param topologyDomain GPUs with the same value share an NVLink/NVSwitch fabric or a PCIe
 *     switch / NUMA node, so a replica placed within one domain communicates fastest; null when
 *     the agent does not know its topology
 * @param serial board serial number, or null when the device has none
 * @param migMode "Enabled", "Disabled", or null when the device does not support MIG
 */
public record GpuDevice(
    int index,
    String uuid,
    String name,
    long memoryBytes,
    String pciBusId,
    Integer topologyDomain,
    String serial,
    String migMode) {
  /** A GPU whose topology the agent does not know. */
  public GpuDevice(int index, String uuid, String name, long memoryBytes, String pciBusId) {
    this(index, uuid, name, memoryBytes, pciBusId, null, null, null);
  }

  public GpuDevice(int index, String uuid, String name, long memoryBytes, String pciBusId, Integer topologyDomain) {
    this(index, uuid, name, memoryBytes, pciBusId, topologyDomain, null, null);
  }
}
