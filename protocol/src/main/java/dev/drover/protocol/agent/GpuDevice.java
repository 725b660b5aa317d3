package dev.drover.protocol.agent;

/**
 * One GPU as the agent found it.
 *
 * @param index NVML index (PCI bus order)
 * @param uuid NVML UUID, e.g. GPU-5d2c...
 * @param name product name, e.g. NVIDIA H100 80GB HBM3
 * @param memoryBytes total framebuffer memory
 * @param pciBusId PCI bus id, e.g. 00000000:1B:00.0
 */
public record GpuDevice(int index, String uuid, String name, long memoryBytes, String pciBusId) {}
