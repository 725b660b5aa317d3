package dev.drover.agent.health;

import dev.drover.protocol.agent.HealthStatus;
import java.util.Map;
import java.util.TreeMap;

/**
 * Drover's default verdict per XID, after NVIDIA's "Xid Errors" documentation and its Xid catalog
 * ("Analyzing Xid Errors with the Xid Catalog"): XIDs whose immediate resolution there is
 * RESTART_APP and which follow a buggy workload keep the GPU HEALTHY (the agent records them);
 * XIDs after which the GPU still works but wants a reset or a look are DEGRADED; XIDs after which
 * the GPU must be reset or replaced are UNHEALTHY. An XID not listed gets the policy's
 * {@code unknown} verdict.
 */
public final class XidCatalog {
  /** One XID's default verdict and NVIDIA's description of it. */
  public record Entry(HealthStatus status, String description) {}

  private static final Map<Integer, Entry> DEFAULTS = build();

  private XidCatalog() {}

  /** The defaults, by XID number. */
  public static Map<Integer, Entry> defaults() {
    return DEFAULTS;
  }

  /** NVIDIA's description of an XID, or null when the catalog here does not list it. */
  public static String description(long xid) {
    Entry e = xid >= 0 && xid <= Integer.MAX_VALUE ? DEFAULTS.get((int) xid) : null;
    return e == null ? null : e.description();
  }

  private static Map<Integer, Entry> build() {
    Map<Integer, Entry> m = new TreeMap<>();
    HealthStatus app = HealthStatus.HEALTHY;
    HealthStatus degraded = HealthStatus.DEGRADED;
    HealthStatus unhealthy = HealthStatus.UNHEALTHY;
    // caused by the application: the job fails, the GPU is fine
    m.put(8, new Entry(app, "GPU stopped processing (channel idle timeout)"));
    m.put(11, new Entry(app, "Invalid or corrupted push buffer stream"));
    m.put(13, new Entry(app, "Graphics Engine Exception"));
    m.put(31, new Entry(app, "GPU memory page fault"));
    m.put(43, new Entry(app, "GPU stopped processing"));
    m.put(45, new Entry(app, "Preemptive cleanup, due to previous errors"));
    m.put(68, new Entry(app, "NVDEC0 Exception"));
    m.put(69, new Entry(app, "Graphics Engine class error"));
    // the GPU works but wants a reset or an operator's look
    m.put(32, new Entry(degraded, "Invalid or corrupted push buffer stream (can be a PCIe problem)"));
    m.put(61, new Entry(degraded, "Internal micro-controller breakpoint/warning"));
    m.put(63, new Entry(degraded, "ECC page retirement or row remapping recording event"));
    m.put(92, new Entry(degraded, "High single-bit ECC error rate"));
    m.put(94, new Entry(degraded, "Contained ECC error"));
    m.put(121, new Entry(degraded, "C2C link corrected error"));
    // the GPU must be reset, drained or replaced
    m.put(48, new Entry(unhealthy, "Double Bit ECC Error"));
    m.put(62, new Entry(unhealthy, "Internal micro-controller halt"));
    m.put(64, new Entry(unhealthy, "ECC page retirement or row remapper recording failure"));
    m.put(74, new Entry(unhealthy, "NVLink Error"));
    m.put(79, new Entry(unhealthy, "GPU has fallen off the bus"));
    m.put(95, new Entry(unhealthy, "Uncontained ECC error"));
    m.put(119, new Entry(unhealthy, "GSP RPC Timeout"));
    m.put(120, new Entry(unhealthy, "GSP Error"));
    m.put(140, new Entry(unhealthy, "Unrecovered ECC Error"));
    m.put(143, new Entry(unhealthy, "GPU Initialization Failure"));
    m.put(154, new Entry(unhealthy, "GPU Recovery Action Changed (reset or reboot required)"));
    return java.util.Collections.unmodifiableMap(m);
  }
}
