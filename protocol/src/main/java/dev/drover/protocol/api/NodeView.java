package dev.drover.protocol.api;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A node as the API shows it.
 *
 * @param status Ready, NotReady or Unknown (never seen since the coordinator started)
 * @param schedulable Ready and neither cordoned nor draining
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
    Instant lastSeenAt) {}
