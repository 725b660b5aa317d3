package dev.drover.protocol.api;

import java.time.Instant;

/**
 * One thing wrong with a GPU or a node.
 *
 * @param code XID, ECC_DBE, THERMAL_SLOWDOWN, GPU_LOST, NVML_FAILURE, ... (docs/gpu-health.md)
 * @param status Degraded or Unhealthy
 * @param xid the XID number for code XID, else null
 */
public record HealthConditionView(String code, String status, String reason, Instant since, Integer xid) {}
