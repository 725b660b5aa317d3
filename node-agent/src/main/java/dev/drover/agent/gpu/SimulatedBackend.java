package dev.drover.agent.gpu;

import dev.drover.protocol.agent.GpuDevice;
import dev.drover.protocol.agent.GpuSample;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * A node's GPUs made up for machines without NVIDIA hardware (laptops, CI, scale tests). UUIDs and
 * PCI bus ids are derived from the node name, so a restarted agent reports the same GPUs. Telemetry
 * follows load: busy GPUs run hot and near full utilization, idle ones stay cool.
 */
public final class SimulatedBackend implements GpuBackend {
  public static final String DEFAULT_MODEL = "NVIDIA H100 80GB HBM3";
  public static final long DEFAULT_MEMORY_BYTES = 80L * 1024 * 1024 * 1024;

  private final GpuInventory inventory;
  private volatile Set<Integer> busy = Set.of();
  private long tick;

  public SimulatedBackend(String nodeName, int count, String model, long memoryBytes) {
    if (count < 0) {
      throw new IllegalArgumentException("GPU count must be >= 0, got " + count);
    }
    List<GpuDevice> gpus = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      // Bus numbers laid out like an 8-GPU HGX board: 0x18, 0x2a, 0x3a, ... spaced 0x10 apart.
      String busId = String.format("00000000:%02X:00.0", 0x18 + 0x10 * i);
      // Two simulated PCIe switches: the lower and the upper half of the GPUs.
      gpus.add(new GpuDevice(i, uuid(nodeName, i), model, memoryBytes, busId, count > 1 ? i * 2 / count : 0));
    }
    this.inventory = new GpuInventory("simulated", "simulated", gpus);
  }

  /** GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx from SHA-256 of node name and index. */
  static String uuid(String nodeName, int index) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest((nodeName + "/" + index).getBytes(StandardCharsets.UTF_8));
      String hex = HexFormat.of().formatHex(digest, 0, 16);
      return "GPU-"
          + hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-"
          + hex.substring(16, 20) + "-" + hex.substring(20, 32);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  @Override
  public GpuInventory inventory() {
    return inventory;
  }

  @Override
  public void markBusy(Set<Integer> gpuIndices) {
    busy = Set.copyOf(gpuIndices);
  }

  @Override
  public synchronized List<GpuSample> sample() {
    tick++;
    Set<Integer> now = busy;
    List<GpuSample> samples = new ArrayList<>();
    for (GpuDevice gpu : inventory.gpus()) {
      // A small deterministic wobble so graphs look alive without randomness in tests.
      int wobble = (int) (mix(gpu.index(), tick) % 5);
      boolean isBusy = now.contains(gpu.index());
      int util = isBusy ? 93 + wobble : wobble % 2;
      long mem = isBusy ? gpu.memoryBytes() * 7 / 10 : 512L * 1024 * 1024;
      int temp = isBusy ? 68 + wobble : 32 + wobble % 3;
      double power = isBusy ? 560 + 10 * wobble : 70 + wobble;
      samples.add(new GpuSample(gpu.index(), util, mem, temp, power));
    }
    return samples;
  }

  private static long mix(int index, long tick) {
    long h = (index * 31L + tick * 17L) * 0x9E3779B97F4A7C15L;
    return (h >>> 33) % 1_000_003L;
  }

  @Override
  public void close() {}
}
