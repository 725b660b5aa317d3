package dev.drover.protocol.api;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A node as the API shows it.
 *
 * @param status Ready, NotReady or Unknown (never seen since the coordinator started)
 * @param schedulable Ready and neither cordoned nor draining
 * @param health the node-level health: Healthy, Degraded or Unhealthy (agent-reported node faults)
 * @param autoCordoned the cordon was set by Drover because of the node's health and is lifted by Drover
 * @param gpusUnhealthy GPUs that are Unhealthy now
 */
public record NodeView(
    String name,
    String address,
    String status,
    boolean schedulable,
    boolean cordoned,
    boolean draining,
    String cordonReason,
    String backend,
    String driverVersion,
    String agentVersion,
    int cpus,
    long memoryBytes,
    Map<String, String> labels,
    int gpuCount,
    int gpusAllocated,
    List<GpuView> gpus,
    List<String> allocations,
    Instant registeredAt,
    Instant lastSeenAt,
    String health,
    boolean autoCordoned,
    int gpusUnhealthy) {

  public NodeView(String name, String address, String status, boolean schedulable, boolean cordoned, boolean draining,
      String cordonReason, String backend, String driverVersion, String agentVersion, int cpus, long memoryBytes,
      Map<String, String> labels, int gpuCount, int gpusAllocated, List<GpuView> gpus, List<String> allocations,
      Instant registeredAt, Instant lastSeenAt) {
    this(name, address, status, schedulable, cordoned, draining, cordonReason, backend, driverVersion, agentVersion, cpus,
        memoryBytes, labels, gpuCount, gpusAllocated, gpus, allocations, registeredAt, lastSeenAt, "Healthy", false, 0);
  }
}
