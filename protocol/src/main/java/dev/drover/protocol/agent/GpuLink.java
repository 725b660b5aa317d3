package dev.drover.protocol.agent;

/**
 * How two GPUs of a node reach each other, the cells of {@code nvidia-smi topo -m}.
 *
 * @param a lower GPU index
 * @param b higher GPU index
 * @param path the closest common ancestor: NVLINK, PIX (same PCIe switch), PXB (several switches),
 *     PHB (host bridge), NODE (same NUMA node), SYS (across the SMP interconnect)
 * @param nvlinks active NVLinks between the two (0 when none)
 */
public record GpuLink(int a, int b, String path, int nvlinks) {}
