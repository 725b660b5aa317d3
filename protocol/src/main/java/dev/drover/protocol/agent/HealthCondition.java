package dev.drover.protocol.agent;

import java.time.Instant;

/**
 * One thing wrong with a GPU or a node, as the agent's health policy judged it.
 *
 * @param code what was seen: XID, ECC_DBE, ECC_SBE, RETIRED_PAGES_PENDING, RETIRED_PAGES,
 *     ROW_REMAP_PENDING, ROW_REMAP_FAILURE, THERMAL_SLOWDOWN, THERMAL_SHUTDOWN, PCIE_REPLAY,
 *     NVLINK_ERRORS, GPU_LOST (per GPU); NVML_FAILURE, DRIVER (per node)
 * @param status what the policy makes of it (never HEALTHY)
 * @param reason a sentence for people, e.g. "XID 79: GPU has fallen off the bus"
 * @param since when the agent first saw it
 * @param xid the XID number for code XID, else null
 */
public record HealthCondition(String code, HealthStatus status, String reason, Instant since, Integer xid) {}
