package dev.drover.agent.health;

import dev.drover.agent.gpu.GpuReadings;
import dev.drover.agent.gpu.HealthReadings;
import dev.drover.protocol.agent.AgentMessage;
import dev.drover.protocol.agent.GpuDevice;
import dev.drover.protocol.agent.GpuHealth;
import dev.drover.protocol.agent.HealthCondition;
import dev.drover.protocol.agent.HealthStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Applies a {@link HealthPolicy} to readings and XID events over time and keeps each GPU's
 * conditions. A condition keeps its {@code since} for as long as it holds with the same status;
 * a missing reading (unsupported, or NVML failing) keeps what the last one decided.
 *
 * <p>Not thread-safe: the {@link HealthMonitor} calls it from its one thread. Time comes from the
 * callers, so tests drive it with a fake clock.
 */
public final class HealthTracker {
  static final String XID = "XID";
  static final String ECC_DBE = "ECC_DBE";
  static final String ECC_SBE = "ECC_SBE";
  static final String RETIRED_PAGES_PENDING = "RETIRED_PAGES_PENDING";
  static final String RETIRED_PAGES = "RETIRED_PAGES";
  static final String ROW_REMAP_PENDING = "ROW_REMAP_PENDING";
  static final String ROW_REMAP_FAILURE = "ROW_REMAP_FAILURE";
  static final String THERMAL_SLOWDOWN = "THERMAL_SLOWDOWN";
  static final String THERMAL_SHUTDOWN = "THERMAL_SHUTDOWN";
  static final String PCIE_REPLAY = "PCIE_REPLAY";
  static final String NVLINK_ERRORS = "NVLINK_ERRORS";
  static final String GPU_LOST = "GPU_LOST";
  static final String DRIVER = "DRIVER";

  private final HealthPolicy policy;
  private final List<Track> gpus = new ArrayList<>();
  private final Map<String, HealthCondition> node = new LinkedHashMap<>();

  /** What the tracker knows of one GPU. */
  private static final class Track {
    final int index;
    final String uuid;
    final Map<String, HealthCondition> conditions = new HashMap<>();
    /** Last occurrence of each DEGRADED or UNHEALTHY XID that is still a condition. */
    final Map<Long, Instant> xidLastSeen = new HashMap<>();
    CounterWatch pcie = new CounterWatch();
    CounterWatch nvlink = new CounterWatch();
    /** 0 none, 1 slowdown, 2 shutdown */
    int thermalLevel;

    Track(int index, String uuid) {
      this.index = index;
      this.uuid = uuid;
    }
  }

  public HealthTracker(HealthPolicy policy, List<GpuDevice> inventory) {
    this.policy = policy;
    for (GpuDevice d : inventory) {
      gpus.add(new Track(d.index(), d.uuid()));
    }
  }

  public HealthPolicy policy() {
    return policy;
  }

  /** Applies one round of readings. */
  public void readings(HealthReadings r, Instant now) {
    for (GpuReadings g : r.gpus()) {
      if (g.index() >= 0 && g.index() < gpus.size()) {
        apply(gpus.get(g.index()), g, now);
      }
    }
    Map<String, String> faults = new LinkedHashMap<>();
    r.nodeFaults().forEach(f -> faults.put(f.code(), f.reason()));
    for (String code : List.copyOf(node.keySet())) {
      if (!DRIVER.equals(code) && !faults.containsKey(code)) {
        node.remove(code);
      }
    }
    faults.forEach((code, reason) -> set(node, code, HealthStatus.UNHEALTHY, reason, now, null));
  }

  /** Applies what the readings could not be used for: the NVML event watch working or not. */
  public void watchProblem(String problem, Instant now) {
    if (problem == null) {
      node.remove(DRIVER);
    } else {
      set(node, DRIVER, HealthStatus.DEGRADED, problem, now, null);
    }
  }

  /**
   * Applies one XID.
   *
   * @return the policy's verdict (HEALTHY: recorded only)
   */
  public HealthStatus xid(int gpu, long xid, Instant at) {
    HealthStatus verdict = policy.xid(xid);
    if (gpu < 0 || gpu >= gpus.size() || verdict == HealthStatus.HEALTHY) {
      return verdict;
    }
    Track t = gpus.get(gpu);
    String description = XidCatalog.description(xid);
    String reason = "XID " + xid + ": " + (description != null ? description : "not in Drover's XID catalog (see NVIDIA's Xid catalog)");
    set(t.conditions, XID + "/" + xid, verdict, reason, at, (int) Math.min(xid, Integer.MAX_VALUE));
    t.xidLastSeen.put(xid, at);
    return verdict;
  }

  /** Forgets what the agent remembers of a GPU (all when null): a (simulated) GPU reset. */
  public void reset(Integer gpu) {
    for (int i = 0; i < gpus.size(); i++) {
      if (gpu == null || gpu == i) {
        Track old = gpus.get(i);
        gpus.set(i, new Track(old.index, old.uuid));
      }
    }
  }

  /** The health at {@code now}, after DEGRADED XIDs and counter conditions whose quiet period passed clear. */
  public AgentMessage.Health health(Instant now) {
    List<GpuHealth> out = new ArrayList<>();
    for (Track t : gpus) {
      expire(t, now);
      out.add(new GpuHealth(t.index, t.uuid, null, sorted(t.conditions.values())));
    }
    return new AgentMessage.Health(now, out, sorted(node.values()));
  }

  /** The next moment a condition clears on its own, so the monitor can look then rather than a tick later. */
  public Optional<Instant> nextExpiry() {
    Instant next = null;
    for (Track t : gpus) {
      for (Map.Entry<Long, Instant> e : t.xidLastSeen.entrySet()) {
        HealthCondition c = t.conditions.get(XID + "/" + e.getKey());
        if (c != null && c.status() == HealthStatus.DEGRADED) {
          next = earliest(next, e.getValue().plus(policy.degradedXidClearAfter()));
        }
      }
      if (t.conditions.containsKey(PCIE_REPLAY)) {
        next = earliest(next, t.pcie.clearsAt(policy.counterClearAfter()));
      }
      if (t.conditions.containsKey(NVLINK_ERRORS)) {
        next = earliest(next, t.nvlink.clearsAt(policy.counterClearAfter()));
      }
    }
    return Optional.ofNullable(next);
  }

  private static Instant earliest(Instant a, Instant b) {
    return a == null || (b != null && b.isBefore(a)) ? b : a;
  }

  private void expire(Track t, Instant now) {
    t.xidLastSeen.entrySet().removeIf(e -> {
      String key = XID + "/" + e.getKey();
      HealthCondition c = t.conditions.get(key);
      if (c != null && c.status() == HealthStatus.DEGRADED && !now.isBefore(e.getValue().plus(policy.degradedXidClearAfter()))) {
        t.conditions.remove(key);
        return true;
      }
      return c == null;
    });
    if (t.conditions.containsKey(PCIE_REPLAY) && !held(t.pcie, now)) {
      t.conditions.remove(PCIE_REPLAY);
    }
    if (t.conditions.containsKey(NVLINK_ERRORS) && !held(t.nvlink, now)) {
      t.conditions.remove(NVLINK_ERRORS);
    }
  }

  private boolean held(CounterWatch w, Instant now) {
    Instant clears = w.clearsAt(policy.counterClearAfter());
    return clears != null && now.isBefore(clears);
  }

  private void apply(Track t, GpuReadings g, Instant now) {
    Map<String, HealthCondition> c = t.conditions;
    if (g.lost()) {
      set(c, GPU_LOST, HealthStatus.UNHEALTHY,
          "NVML cannot reach the GPU (NVML_ERROR_GPU_IS_LOST): fallen off the bus or needs a reset", now, null);
      return; // nothing else can be read; the other conditions stay as they were
    }
    c.remove(GPU_LOST);
    level(c, ECC_DBE, g.eccDbeVolatile() == null ? null : g.eccDbeVolatile() > 0, HealthStatus.UNHEALTHY,
        () -> g.eccDbeVolatile() + " uncorrectable (double-bit) ECC error(s) since the driver loaded", now);
    level(c, ECC_SBE, g.eccSbeVolatile() == null ? null : g.eccSbeVolatile() >= policy.eccSbeDegradedAt(), HealthStatus.DEGRADED,
        () -> g.eccSbeVolatile() + " corrected (single-bit) ECC errors since the driver loaded (policy: degraded at "
            + policy.eccSbeDegradedAt() + ")", now);
    level(c, RETIRED_PAGES_PENDING, g.retiredPagesPending(), HealthStatus.DEGRADED,
        () -> "retired memory pages wait for a GPU reset or reboot", now);
    level(c, RETIRED_PAGES, g.retiredPages() == null ? null : g.retiredPages() >= policy.retiredPagesDegradedAt(),
        HealthStatus.DEGRADED, () -> g.retiredPages() + " memory pages retired (policy: degraded at "
            + policy.retiredPagesDegradedAt() + ")", now);
    level(c, ROW_REMAP_PENDING, g.rowRemapPending(), HealthStatus.DEGRADED,
        () -> "a memory row remapping waits for a GPU reset", now);
    level(c, ROW_REMAP_FAILURE, g.rowRemapFailure(), HealthStatus.UNHEALTHY,
        () -> "a memory row remapping failed: the GPU memory cannot repair itself any more", now);
    thermal(t, g, now);
    Boolean pcie = t.pcie.update(g.pcieReplays(), now, policy.pcieReplaysPerMinute(), policy.counterClearAfter());
    level(c, PCIE_REPLAY, pcie, HealthStatus.DEGRADED, () -> "PCIe replay counter rose by " + t.pcie.lastRise()
        + " within a minute (policy: degraded above " + policy.pcieReplaysPerMinute() + " per minute)", now);
    Boolean nvlink = t.nvlink.update(g.nvlinkErrors(), now, policy.nvlinkErrorsPerMinute(), policy.counterClearAfter());
    level(c, NVLINK_ERRORS, nvlink, HealthStatus.DEGRADED, () -> "NVLink error counters rose by " + t.nvlink.lastRise()
        + " within a minute (policy: degraded above " + policy.nvlinkErrorsPerMinute() + " per minute)", now);
  }

  /** Temperature against the device's thresholds, entering at the threshold and leaving hysteresis below it. */
  private void thermal(Track t, GpuReadings g, Instant now) {
    Integer temp = g.temperatureC();
    if (temp == null || (g.slowdownC() == null && g.shutdownC() == null)) {
      return;
    }
    int hyst = policy.thermalHysteresisC();
    Integer shutdownAt = g.shutdownC() == null ? null : g.shutdownC() - policy.thermalShutdownMarginC();
    Integer slowdownAt = g.slowdownC();
    int enter = shutdownAt != null && temp >= shutdownAt ? 2 : slowdownAt != null && temp >= slowdownAt ? 1 : 0;
    int stay = shutdownAt != null && temp > shutdownAt - hyst ? 2 : slowdownAt != null && temp > slowdownAt - hyst ? 1 : 0;
    int level = Math.max(enter, Math.min(t.thermalLevel, stay));
    t.thermalLevel = level;
    Map<String, HealthCondition> c = t.conditions;
    if (level == 2) {
      c.remove(THERMAL_SLOWDOWN);
      set(c, THERMAL_SHUTDOWN, HealthStatus.UNHEALTHY, "GPU temperature within " + policy.thermalShutdownMarginC()
          + " C of the device's shutdown threshold (" + g.shutdownC() + " C)", now, null);
    } else if (level == 1) {
      c.remove(THERMAL_SHUTDOWN);
      set(c, THERMAL_SLOWDOWN, HealthStatus.DEGRADED, "GPU temperature at or above the device's slowdown threshold ("
          + g.slowdownC() + " C): clocks are throttled", now, null);
    } else {
      c.remove(THERMAL_SHUTDOWN);
      c.remove(THERMAL_SLOWDOWN);
    }
  }

  private static void level(Map<String, HealthCondition> c, String code, Boolean holds, HealthStatus status,
      java.util.function.Supplier<String> reason, Instant now) {
    if (holds == null) {
      return;
    }
    if (holds) {
      set(c, code, status, reason.get(), now, null);
    } else {
      c.remove(code);
    }
  }

  /** Sets a condition, keeping its since when it already holds with the same status. */
  private static void set(Map<String, HealthCondition> c, String key, HealthStatus status, String reason, Instant now, Integer xid) {
    String code = key.startsWith(XID + "/") ? XID : key;
    HealthCondition old = c.get(key);
    Instant since = old != null && old.status() == status ? old.since() : now;
    c.put(key, new HealthCondition(code, status, reason, since, xid));
  }

  private static List<HealthCondition> sorted(java.util.Collection<HealthCondition> conditions) {
    List<HealthCondition> list = new ArrayList<>(conditions);
    list.sort(Comparator.comparing(HealthCondition::status).reversed()
        .thenComparing(HealthCondition::code)
        .thenComparing(h -> h.xid() == null ? 0 : h.xid()));
    return list;
  }
}
