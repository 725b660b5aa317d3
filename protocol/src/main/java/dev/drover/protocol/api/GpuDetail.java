package dev.drover.protocol.api;

import java.time.Instant;
import java.util.List;

/**
 * One GPU in depth: identity, health with its reasons and history, allocation, telemetry.
 *
 * @param health Healthy, Degraded or Unhealthy
 * @param schedulable whether placement may use it now (not unhealthy, not in its recovery hold)
 * @param conditions why it is not Healthy (empty when it is)
 * @param healthSince when it entered its current health (null: healthy since registration)
 * @param allocatedTo "jobId/rank" of the replica holding it, or null
 * @param latest the newest telemetry sample, or null before the first
 * @param telemetry recent samples, oldest first (kept in memory by the coordinator)
 * @param history this GPU's journaled health transitions, oldest first
 */
public record GpuDetail(
    int index,
    String uuid,
    String name,
    String serial,
    String migMode,
    String pciBusId,
    long memoryBytes,
    Integer topologyDomain,
    String health,
    boolean schedulable,
    List<HealthConditionView> conditions,
    Instant healthSince,
    String allocatedTo,
    TelemetryPoint latest,
    List<TelemetryPoint> telemetry,
    List<HealthEventView> history) {}
