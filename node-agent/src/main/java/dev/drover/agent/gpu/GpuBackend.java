package dev.drover.agent.gpu;

import dev.drover.protocol.agent.GpuSample;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/** Source of a node's GPU inventory, telemetry and health readings: the real driver (NVML) or a simulation. */
public interface GpuBackend extends AutoCloseable {

  /** The GPUs of this node and how they are connected, read once at start. */
  GpuInventory inventory();

  /** One telemetry sample per GPU, in index order. */
  List<GpuSample> sample();

  /** The health-relevant readings of every GPU, in index order. Never throws: trouble is a node fault. */
  HealthReadings readHealth();

  /**
   * Starts delivering events (XIDs, changes) to the listener, from a thread the backend owns.
   * Called at most once; {@link #close()} stops it.
   */
  void watch(Consumer<GpuEvent> listener);

  /**
   * Tells the backend which GPU indices are given to running replicas. Only a simulation uses it,
   * to make its telemetry reflect load; a real driver measures load itself.
   */
  default void markBusy(Set<Integer> gpuIndices) {}

  @Override
  void close();
}
