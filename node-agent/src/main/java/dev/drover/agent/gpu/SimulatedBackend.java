package dev.drover.agent.gpu;

import dev.drover.protocol.agent.GpuDevice;
import dev.drover.protocol.agent.GpuLink;
import dev.drover.protocol.agent.GpuSample;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A node's GPUs made up for machines without NVIDIA hardware (laptops, CI, scale tests). UUIDs,
 * serials and PCI bus ids are derived from the node name, so a restarted agent reports the same
 * GPUs. Telemetry follows load: busy GPUs run hot and near full utilization, idle ones stay cool
 * and report the GPU_IDLE clock reason.
 *
 * <p>The board is an HGX: every pair of GPUs is joined through NVSwitch by 18 NVLinks. The topology
 * domains are the two PCIe/NUMA halves of the board (GPUs 0-3 and 4-7 of eight), so the scheduler's
 * topology preference stays observable on simulated nodes.
 *
 * <p>Every health fault can be injected ({@link #inject}) and cleared ({@link #clear}); the
 * readings then flow through the same policy as NVML's. Clearing is a simulated GPU reset.
 */
public final class SimulatedBackend implements GpuBackend {
  public static final String DEFAULT_MODEL = "NVIDIA H100 80GB HBM3";
  public static final long DEFAULT_MEMORY_BYTES = 80L * 1024 * 1024 * 1024;
  /** The simulated device's own thermal thresholds (those of an H100 SXM board). */
  public static final int SLOWDOWN_C = 87;
  public static final int SHUTDOWN_C = 92;
  private static final int NVLINKS = 18;

  private final GpuInventory inventory;
  private final Clock clock;
  private final GpuState[] state;
  private final List<SimulatedFault> injected = new ArrayList<>();
  private volatile Set<Integer> busy = Set.of();
  private volatile Consumer<GpuEvent> listener = e -> {};
  private String nvmlFailure;
  private long tick;

  /** What has been injected into one GPU. */
  private static final class GpuState {
    long sbe;
    long dbe;
    boolean retiredPending;
    boolean remapPending;
    boolean remapFailure;
    Integer temperature;
    long pcieReplays;
    long nvlinkErrors;
    boolean lost;
  }

  public SimulatedBackend(String nodeName, int count, String model, long memoryBytes) {
    this(nodeName, count, model, memoryBytes, Clock.systemUTC());
  }

  public SimulatedBackend(String nodeName, int count, String model, long memoryBytes, Clock clock) {
    if (count < 0) {
      throw new IllegalArgumentException("GPU count must be >= 0, got " + count);
    }
    this.clock = clock;
    List<GpuDevice> gpus = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      // Bus numbers laid out like an 8-GPU HGX board: 0x18, 0x28, 0x38, ... spaced 0x10 apart.
      String busId = String.format("00000000:%02X:00.0", 0x18 + 0x10 * i);
      gpus.add(new GpuDevice(i, uuid(nodeName, i), model, memoryBytes, busId, count > 1 ? i * 2 / count : 0,
          serial(nodeName, i), "Disabled"));
    }
    List<GpuLink> links = new ArrayList<>();
    for (int a = 0; a < count; a++) {
      for (int b = a + 1; b < count; b++) {
        links.add(new GpuLink(a, b, "NVLINK", NVLINKS));
      }
    }
    this.inventory = new GpuInventory("simulated", "simulated", gpus, links);
    this.state = new GpuState[count];
    for (int i = 0; i < count; i++) {
      state[i] = new GpuState();
    }
  }

  /** GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx from SHA-256 of node name and index. */
  static String uuid(String nodeName, int index) {
    String hex = HexFormat.of().formatHex(sha256(nodeName + "/" + index), 0, 16);
    return "GPU-"
        + hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-"
        + hex.substring(16, 20) + "-" + hex.substring(20, 32);
  }

  /** A 13-digit board serial like NVIDIA's (16520xxxxxxxx), from node name and index. */
  static String serial(String nodeName, int index) {
    byte[] d = sha256("serial/" + nodeName + "/" + index);
    long n = 0;
    for (int i = 0; i < 8; i++) {
      n = n << 8 | (d[i] & 0xFF);
    }
    return String.format("16520%08d", Math.floorMod(n, 100_000_000L));
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  @Override
  public GpuInventory inventory() {
    return inventory;
  }

  @Override
  public void markBusy(Set<Integer> gpuIndices) {
    busy = Set.copyOf(gpuIndices);
  }

  @Override
  public synchronized List<GpuSample> sample() {
    tick++;
    Set<Integer> now = busy;
    List<GpuSample> samples = new ArrayList<>();
    for (GpuDevice gpu : inventory.gpus()) {
      GpuState s = state[gpu.index()];
      if (s.lost) {
        samples.add(new GpuSample(gpu.index(), -1, -1, -1, -1, null, List.of()));
        continue;
      }
      // A small deterministic wobble so graphs look alive without randomness in tests.
      int wobble = (int) (mix(gpu.index(), tick) % 5);
      boolean isBusy = now.contains(gpu.index());
      int util = isBusy ? 93 + wobble : wobble % 2;
      long mem = isBusy ? gpu.memoryBytes() * 7 / 10 : 512L * 1024 * 1024;
      int temp = temperature(gpu.index(), isBusy, wobble);
      double power = isBusy ? 560 + 10 * wobble : 70 + wobble;
      List<String> reasons = new ArrayList<>();
      int smClock = isBusy ? 1980 : 345;
      if (!isBusy) {
        reasons.add("GPU_IDLE");
      }
      if (temp >= SLOWDOWN_C) {
        reasons.addAll(List.of("SW_THERMAL_SLOWDOWN", "HW_THERMAL_SLOWDOWN"));
        smClock = Math.min(smClock, 1095);
      }
      samples.add(new GpuSample(gpu.index(), util, mem, temp, power, smClock, reasons));
    }
    return samples;
  }

  private int temperature(int index, boolean isBusy, int wobble) {
    Integer forced = state[index].temperature;
    if (forced != null) {
      return forced;
    }
    return isBusy ? 68 + wobble : 32 + wobble % 3;
  }

  @Override
  public synchronized HealthReadings readHealth() {
    List<GpuReadings> gpus = new ArrayList<>();
    for (GpuDevice gpu : inventory.gpus()) {
      GpuState s = state[gpu.index()];
      if (s.lost) {
        gpus.add(GpuReadings.lost(gpu.index(), gpu.uuid()));
      } else if (nvmlFailure != null) {
        gpus.add(new GpuReadings(gpu.index(), gpu.uuid(), null, null, null, null, null, null, null, null, null, null, null,
            false));
      } else {
        boolean isBusy = busy.contains(gpu.index());
        gpus.add(new GpuReadings(gpu.index(), gpu.uuid(), s.sbe, s.dbe, s.retiredPending ? 1 : 0, s.retiredPending,
            s.remapPending, s.remapFailure, temperature(gpu.index(), isBusy, 0), SLOWDOWN_C, SHUTDOWN_C, s.pcieReplays,
            s.nvlinkErrors, false));
      }
    }
    List<HealthReadings.NodeFault> node = nvmlFailure == null ? List.of()
        : List.of(new HealthReadings.NodeFault("NVML_FAILURE", nvmlFailure));
    return new HealthReadings(gpus, node);
  }

  @Override
  public void watch(Consumer<GpuEvent> listener) {
    this.listener = listener;
  }

  /**
   * Applies one fault: counts add up, flags are set, a temperature replaces the simulated one, an
   * XID is delivered as an event.
   *
   * @throws IllegalArgumentException when the GPU does not exist or the value does not fit the kind
   */
  public SimulatedFault inject(Integer gpu, FaultKind kind, Long value) {
    if (kind.scope() == FaultKind.Scope.GPU && (gpu == null || gpu < 0 || gpu >= state.length)) {
      throw new IllegalArgumentException("no GPU " + gpu + " on this node (it has " + state.length + ")");
    }
    if (kind.scope() == FaultKind.Scope.NODE && gpu != null) {
      throw new IllegalArgumentException(kind + " is a node-level fault and takes no GPU");
    }
    if (kind.value() != FaultKind.Value.NONE && value == null) {
      throw new IllegalArgumentException(kind + " needs a value");
    }
    SimulatedFault fault = new SimulatedFault(gpu, kind, kind.value() == FaultKind.Value.NONE ? null : value, clock.instant());
    synchronized (this) {
      GpuState s = gpu == null ? null : state[gpu];
      switch (kind) {
        case XID -> { }
        case ECC_DBE -> s.dbe += value;
        case ECC_SBE -> s.sbe += value;
        case RETIRED_PAGES_PENDING -> s.retiredPending = true;
        case ROW_REMAP_PENDING -> s.remapPending = true;
        case ROW_REMAP_FAILURE -> s.remapFailure = true;
        case TEMPERATURE -> s.temperature = Math.toIntExact(value);
        case PCIE_REPLAY -> s.pcieReplays += value;
        case NVLINK_ERRORS -> s.nvlinkErrors += value;
        case GPU_LOST -> s.lost = true;
        case NVML_FAILURE -> nvmlFailure = "NVML answers only errors (simulated): Unknown Error (nvmlReturn_t 999)";
      }
      injected.add(fault);
    }
    if (kind == FaultKind.XID) {
      listener.accept(new GpuEvent.Xid(gpu, value, fault.at()));
    } else {
      listener.accept(new GpuEvent.ReadingsChanged("injected " + kind + (gpu == null ? "" : " on GPU " + gpu)));
    }
    return fault;
  }

  /**
   * Clears the faults of one GPU (a simulated GPU reset: counters back to zero, XIDs forgotten),
   * or of every GPU and the node when gpu is null.
   *
   * @throws IllegalArgumentException when the GPU does not exist
   */
  public void clear(Integer gpu) {
    if (gpu != null && (gpu < 0 || gpu >= state.length)) {
      throw new IllegalArgumentException("no GPU " + gpu + " on this node (it has " + state.length + ")");
    }
    synchronized (this) {
      for (int i = 0; i < state.length; i++) {
        if (gpu == null || gpu == i) {
          state[i] = new GpuState();
        }
      }
      if (gpu == null) {
        nvmlFailure = null;
      }
      injected.removeIf(f -> gpu == null || gpu.equals(f.gpu()));
    }
    listener.accept(new GpuEvent.Reset(gpu));
    listener.accept(new GpuEvent.ReadingsChanged("cleared faults" + (gpu == null ? "" : " of GPU " + gpu)));
  }

  /** The faults injected and not cleared, oldest first. */
  public synchronized List<SimulatedFault> injected() {
    return List.copyOf(injected);
  }

  private static long mix(int index, long tick) {
    long h = (index * 31L + tick * 17L) * 0x9E3779B97F4A7C15L;
    return (h >>> 33) % 1_000_003L;
  }

  @Override
  public void close() {}
}
