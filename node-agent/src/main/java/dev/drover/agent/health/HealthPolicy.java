package dev.drover.agent.health;

import dev.drover.protocol.agent.HealthStatus;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * How readings and events map to HEALTHY, DEGRADED or UNHEALTHY; see docs/gpu-health.md.
 *
 * @param xids the verdict per XID: {@link XidCatalog} with the policy file's overrides
 * @param unknownXid the verdict for an XID not in {@code xids}
 * @param degradedXidClearAfter a DEGRADED XID clears when it did not recur for this long
 *     (UNHEALTHY XIDs stay until the agent restarts, which a GPU reset or reboot implies)
 * @param eccSbeDegradedAt volatile single-bit ECC count from which the GPU is DEGRADED
 * @param retiredPagesDegradedAt retired pages from which the GPU is DEGRADED
 * @param thermalShutdownMarginC UNHEALTHY from this many degrees below the device's shutdown threshold
 * @param thermalHysteresisC a thermal condition clears only this far below where it started
 * @param pcieReplaysPerMinute DEGRADED when the PCIe replay counter rises by more within a minute
 * @param nvlinkErrorsPerMinute DEGRADED when the NVLink error counters rise by more within a minute
 * @param counterClearAfter a PCIe or NVLink condition clears after this long below its limit
 */
public record HealthPolicy(
    Map<Integer, HealthStatus> xids,
    HealthStatus unknownXid,
    Duration degradedXidClearAfter,
    long eccSbeDegradedAt,
    int retiredPagesDegradedAt,
    int thermalShutdownMarginC,
    int thermalHysteresisC,
    long pcieReplaysPerMinute,
    long nvlinkErrorsPerMinute,
    Duration counterClearAfter) {

  public HealthPolicy {
    xids = java.util.Collections.unmodifiableMap(new TreeMap<>(xids));
  }

  /** NVIDIA's catalog and Drover's thresholds, used when no policy file is given. */
  public static HealthPolicy defaults() {
    Map<Integer, HealthStatus> xids = new TreeMap<>();
    XidCatalog.defaults().forEach((xid, e) -> xids.put(xid, e.status()));
    return new HealthPolicy(xids, HealthStatus.DEGRADED, Duration.ofMinutes(15), 1000, 60, 2, 5, 100, 0,
        Duration.ofMinutes(10));
  }

  /** The verdict for an XID. */
  public HealthStatus xid(long xid) {
    HealthStatus s = xid >= 0 && xid <= Integer.MAX_VALUE ? xids.get((int) xid) : null;
    return s == null ? unknownXid : s;
  }
}
