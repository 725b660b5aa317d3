package dev.drover.agent.gpu;

import dev.drover.protocol.agent.GpuSample;
import java.util.List;
import java.util.Set;

/** Source of a node's GPU inventory and telemetry: the real driver (NVML) or a simulation. */
public interface GpuBackend extends AutoCloseable {

  /** The GPUs of this node, read once at start. */
  GpuInventory inventory();

  /** One telemetry sample per GPU, in index order. */
  List<GpuSample> sample();

  /**
   * Tells the backend which GPU indices are given to running replicas. Only a simulation uses it,
   * to make its telemetry reflect load; a real driver measures load itself.
   */
  default void markBusy(Set<Integer> gpuIndices) {}

  @Override
  void close();
}
