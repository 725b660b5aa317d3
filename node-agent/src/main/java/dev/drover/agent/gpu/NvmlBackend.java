package dev.drover.agent.gpu;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import dev.drover.protocol.agent.GpuDevice;
import dev.drover.protocol.agent.GpuLink;
import dev.drover.protocol.agent.GpuSample;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads GPUs from the NVIDIA driver through NVML. Read-only: it never changes clocks, power limits,
 * modes or counters of a (possibly shared) card.
 *
 * <p>Every reading a device does not support is skipped, logged once per GPU and kind: telemetry
 * reports -1 (or null), health readings null, which the policy ignores. A call answering
 * NVML_ERROR_GPU_IS_LOST (or NVML_ERROR_RESET_REQUIRED) marks that GPU lost; a round in which NVML
 * answers nothing but errors is a node-level NVML_FAILURE.
 */
public final class NvmlBackend implements GpuBackend {
  /** The soname the driver installs; no unversioned symlink exists without the CUDA dev package. */
  public static final String DEFAULT_LIBRARY = "libnvidia-ml.so.1";
  /** System property that overrides the library name or path (tests point it at a fake). */
  public static final String LIBRARY_PROPERTY = "drover.nvml.library";

  private static final Logger log = LoggerFactory.getLogger(NvmlBackend.class);
  private static final Map<Integer, String> TOPOLOGY_PATHS = Map.of(
      NvmlLibrary.NVML_TOPOLOGY_INTERNAL, "PIX",
      NvmlLibrary.NVML_TOPOLOGY_SINGLE, "PIX",
      NvmlLibrary.NVML_TOPOLOGY_MULTIPLE, "PXB",
      NvmlLibrary.NVML_TOPOLOGY_HOSTBRIDGE, "PHB",
      NvmlLibrary.NVML_TOPOLOGY_NODE, "NODE",
      NvmlLibrary.NVML_TOPOLOGY_SYSTEM, "SYS");

  private final NvmlLibrary nvml;
  private final String libraryName;
  private final List<Pointer> handles;
  private final GpuInventory inventory;
  /** Per GPU, the NVLinks that were active at start: the ones whose error counters are read. */
  private final List<List<Integer>> activeLinks;
  private final Integer[] slowdownC;
  private final Integer[] shutdownC;
  private final Set<String> reported = ConcurrentHashMap.newKeySet();
  private boolean useThrottleReasons;
  private NvmlEventWatcher watcher;
  private boolean closed;

  private NvmlBackend(NvmlLibrary nvml, String libraryName) {
    this.nvml = nvml;
    this.libraryName = libraryName;
    check(nvml.nvmlInit_v2(), "nvmlInit_v2");
    try {
      byte[] driver = new byte[NvmlLibrary.STRING_BUFFER_SIZE];
      check(nvml.nvmlSystemGetDriverVersion(driver, driver.length), "nvmlSystemGetDriverVersion");
      IntByReference count = new IntByReference();
      check(nvml.nvmlDeviceGetCount_v2(count), "nvmlDeviceGetCount_v2");
      List<Pointer> found = new ArrayList<>();
      List<GpuDevice> devices = new ArrayList<>();
      for (int i = 0; i < count.getValue(); i++) {
        PointerByReference ref = new PointerByReference();
        check(nvml.nvmlDeviceGetHandleByIndex_v2(i, ref), "nvmlDeviceGetHandleByIndex_v2(" + i + ")");
        Pointer handle = ref.getValue();
        found.add(handle);
        devices.add(describeOrLost(i, handle));
      }
      this.handles = List.copyOf(found);
      this.slowdownC = new Integer[handles.size()];
      this.shutdownC = new Integer[handles.size()];
      this.activeLinks = new ArrayList<>();
      List<GpuLink> topology = topology(devices);
      int[] domains = TopologyDomains.derive(devices.size(), topology);
      List<GpuDevice> withDomains = new ArrayList<>();
      for (GpuDevice d : devices) {
        withDomains.add(new GpuDevice(d.index(), d.uuid(), d.name(), d.memoryBytes(), d.pciBusId(),
            topology.isEmpty() && devices.size() > 1 ? null : domains[d.index()], d.serial(), d.migMode()));
      }
      this.inventory = new GpuInventory("nvml", cString(driver), withDomains, topology);
    } catch (RuntimeException e) {
      nvml.nvmlShutdown();
      throw e;
    }
  }

  /**
   * Loads the library (a soname on the loader path or an absolute path) and initializes NVML.
   *
   * @throws NvmlException when the library cannot be loaded or a call fails
   */
  public static NvmlBackend open(String library) {
    String name = library == null || library.isBlank() ? System.getProperty(LIBRARY_PROPERTY, DEFAULT_LIBRARY) : library;
    NvmlLibrary lib;
    try {
      lib = Native.load(name, NvmlLibrary.class);
    } catch (UnsatisfiedLinkError e) {
      throw new NvmlException(loadFailure(name, e), e);
    }
    return new NvmlBackend(lib, name);
  }

  /** JNA's message lists every path it tried; the dlerror line is what a person needs. */
  static String loadFailure(String name, Throwable e) {
    String msg = String.valueOf(e.getMessage());
    int cannot = msg.indexOf(": cannot open shared object file");
    if (cannot >= 0) {
      return name + ": cannot open shared object file";
    }
    int newline = msg.indexOf('\n');
    return newline > 0 ? msg.substring(0, newline).trim() : msg.trim();
  }

  @Override
  public GpuInventory inventory() {
    return inventory;
  }

  @Override
  public synchronized List<GpuSample> sample() {
    if (closed) {
      throw new IllegalStateException("NVML backend is closed");
    }
    List<GpuSample> samples = new ArrayList<>(handles.size());
    for (int i = 0; i < handles.size(); i++) {
      Pointer h = handles.get(i);
      NvmlLibrary.Utilization util = new NvmlLibrary.Utilization();
      int utilization = optional(call(() -> nvml.nvmlDeviceGetUtilizationRates(h, util)), "utilization", i) ? util.gpu : -1;
      NvmlLibrary.Memory mem = new NvmlLibrary.Memory();
      long used = optional(call(() -> nvml.nvmlDeviceGetMemoryInfo(h, mem)), "memory", i) ? mem.used : -1;
      IntByReference temp = new IntByReference();
      int temperature = optional(call(() -> nvml.nvmlDeviceGetTemperature(h, NvmlLibrary.NVML_TEMPERATURE_GPU, temp)),
          "temperature", i) ? temp.getValue() : -1;
      IntByReference milliwatts = new IntByReference();
      double power = optional(call(() -> nvml.nvmlDeviceGetPowerUsage(h, milliwatts)), "power", i)
          ? milliwatts.getValue() / 1000.0 : -1;
      IntByReference sm = new IntByReference();
      Integer smClock = optional(call(() -> nvml.nvmlDeviceGetClockInfo(h, NvmlLibrary.NVML_CLOCK_SM, sm)), "SM clock", i)
          ? sm.getValue() : null;
      samples.add(new GpuSample(i, utilization, used, temperature, power, smClock, clockEventReasons(h, i)));
    }
    return samples;
  }

  /** nvmlDeviceGetCurrentClocksEventReasons (driver 535+), else its older name. */
  private List<String> clockEventReasons(Pointer h, int i) {
    LongByReference mask = new LongByReference();
    int rc = useThrottleReasons ? NvmlLibrary.NVML_ERROR_FUNCTION_NOT_FOUND
        : call(() -> nvml.nvmlDeviceGetCurrentClocksEventReasons(h, mask));
    if (rc == NvmlLibrary.NVML_ERROR_FUNCTION_NOT_FOUND) {
      useThrottleReasons = true;
      rc = call(() -> nvml.nvmlDeviceGetCurrentClocksThrottleReasons(h, mask));
    }
    return optional(rc, "clock event reasons", i) ? ClockEventReasons.decode(mask.getValue()) : List.of();
  }

  @Override
  public synchronized HealthReadings readHealth() {
    if (closed) {
      return new HealthReadings(List.of(), List.of(new HealthReadings.NodeFault("NVML_FAILURE", "the NVML backend is closed")));
    }
    Round round = new Round();
    List<GpuReadings> gpus = new ArrayList<>(handles.size());
    for (int i = 0; i < handles.size(); i++) {
      gpus.add(readGpu(round, i));
    }
    List<HealthReadings.NodeFault> node = new ArrayList<>();
    if (!handles.isEmpty() && round.successes == 0 && round.firstError != null) {
      node.add(new HealthReadings.NodeFault("NVML_FAILURE", "NVML answers only errors: " + round.firstError));
    }
    return new HealthReadings(gpus, node);
  }

  private GpuReadings readGpu(Round round, int i) {
    Pointer h = handles.get(i);
    String uuid = inventory.gpus().get(i).uuid();
    GpuRound r = new GpuRound(round, i);
    LongByReference l = new LongByReference();
    Long sbe = r.read("ECC single-bit count", () -> nvml.nvmlDeviceGetTotalEccErrors(h,
        NvmlLibrary.NVML_MEMORY_ERROR_TYPE_CORRECTED, NvmlLibrary.NVML_VOLATILE_ECC, l)) ? l.getValue() : null;
    Long dbe = r.read("ECC double-bit count", () -> nvml.nvmlDeviceGetTotalEccErrors(h,
        NvmlLibrary.NVML_MEMORY_ERROR_TYPE_UNCORRECTED, NvmlLibrary.NVML_VOLATILE_ECC, l)) ? l.getValue() : null;
    Integer retired = retiredPages(r, h);
    IntByReference pending = new IntByReference();
    Boolean retiredPending = r.read("retired pages pending status", () -> nvml.nvmlDeviceGetRetiredPagesPendingStatus(h, pending))
        ? pending.getValue() == NvmlLibrary.NVML_FEATURE_ENABLED : null;
    IntByReference corr = new IntByReference();
    IntByReference unc = new IntByReference();
    IntByReference remapPending = new IntByReference();
    IntByReference remapFailure = new IntByReference();
    boolean remap = r.read("remapped rows", () -> nvml.nvmlDeviceGetRemappedRows(h, corr, unc, remapPending, remapFailure));
    IntByReference t = new IntByReference();
    Integer temperature = r.read("temperature", () -> nvml.nvmlDeviceGetTemperature(h, NvmlLibrary.NVML_TEMPERATURE_GPU, t))
        ? t.getValue() : null;
    if (slowdownC[i] == null && r.read("slowdown temperature",
        () -> nvml.nvmlDeviceGetTemperatureThreshold(h, NvmlLibrary.NVML_TEMPERATURE_THRESHOLD_SLOWDOWN, t))) {
      slowdownC[i] = t.getValue();
    }
    if (shutdownC[i] == null && r.read("shutdown temperature",
        () -> nvml.nvmlDeviceGetTemperatureThreshold(h, NvmlLibrary.NVML_TEMPERATURE_THRESHOLD_SHUTDOWN, t))) {
      shutdownC[i] = t.getValue();
    }
    IntByReference replays = new IntByReference();
    Long pcie = r.read("PCIe replay counter", () -> nvml.nvmlDeviceGetPcieReplayCounter(h, replays))
        ? Integer.toUnsignedLong(replays.getValue()) : null;
    Long nvlink = nvlinkErrors(r, h, i);
    if (r.lost) {
      return GpuReadings.lost(i, uuid);
    }
    return new GpuReadings(i, uuid, sbe, dbe, retired, retiredPending, remap ? remapPending.getValue() != 0 : null,
        remap ? remapFailure.getValue() != 0 : null, temperature, slowdownC[i], shutdownC[i], pcie, nvlink, false);
  }

  /** Pages retired for either cause; asking with a zero-sized buffer returns the count only. */
  private Integer retiredPages(GpuRound r, Pointer h) {
    int total = 0;
    for (int cause : new int[] {NvmlLibrary.NVML_PAGE_RETIREMENT_CAUSE_MULTIPLE_SINGLE_BIT_ECC_ERRORS,
        NvmlLibrary.NVML_PAGE_RETIREMENT_CAUSE_DOUBLE_BIT_ECC_ERROR}) {
      IntByReference count = new IntByReference(0);
      int rc = call(() -> nvml.nvmlDeviceGetRetiredPages(h, cause, count, null));
      if (!r.read("retired pages", () -> rc == NvmlLibrary.NVML_ERROR_INSUFFICIENT_SIZE ? NvmlLibrary.NVML_SUCCESS : rc)) {
        return null;
      }
      total += count.getValue();
    }
    return total;
  }

  private Long nvlinkErrors(GpuRound r, Pointer h, int i) {
    List<Integer> links = activeLinks.get(i);
    if (links.isEmpty()) {
      return null;
    }
    long sum = 0;
    boolean any = false;
    LongByReference v = new LongByReference();
    for (int link : links) {
      for (int counter = 0; counter < NvmlLibrary.NVML_NVLINK_ERROR_COUNTERS; counter++) {
        int c = counter;
        // DL_ECC_DATA exists only on newer GPUs: its absence is not worth a log line per link
        String what = c == 4 ? "NVLink ECC data counter" : "NVLink error counters";
        if (r.read(what, () -> nvml.nvmlDeviceGetNvLinkErrorCounter(h, link, c, v))) {
          sum += v.getValue();
          any = true;
        }
      }
    }
    return any ? sum : null;
  }

  @Override
  public synchronized void watch(Consumer<GpuEvent> listener) {
    if (closed || watcher != null) {
      return;
    }
    watcher = new NvmlEventWatcher(nvml, handles, listener, this::errorText);
    watcher.start();
  }

  @Override
  public void close() {
    NvmlEventWatcher w;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      w = watcher;
    }
    // the watcher's thread may be inside nvmlEventSetWait: stop it before NVML goes away
    if (w != null) {
      w.close();
    }
    synchronized (this) {
      int rc = nvml.nvmlShutdown();
      if (rc != NvmlLibrary.NVML_SUCCESS) {
        log.warn("nvmlShutdown failed: {}", errorText(rc));
      }
    }
  }

  /** The library this backend was loaded from, for log lines. */
  public String libraryName() {
    return libraryName;
  }

  /**
   * A GPU already lost at start still takes its index, under a made-up UUID, so that the others
   * stay usable and the health monitor reports this one GPU_LOST rather than the agent not starting.
   */
  private GpuDevice describeOrLost(int index, Pointer handle) {
    try {
      return describe(index, handle);
    } catch (NvmlException e) {
      if (e.code() != NvmlLibrary.NVML_ERROR_GPU_IS_LOST && e.code() != NvmlLibrary.NVML_ERROR_RESET_REQUIRED) {
        throw e;
      }
      log.error("GPU {} is lost at start ({}); reporting it unhealthy", index, e.getMessage());
      return new GpuDevice(index, "GPU-lost-at-start-" + index, "unknown (GPU is lost)", 0, "unknown", null, null, null);
    }
  }

  private GpuDevice describe(int index, Pointer handle) {
    byte[] name = new byte[NvmlLibrary.STRING_BUFFER_SIZE];
    check(nvml.nvmlDeviceGetName(handle, name, name.length), "nvmlDeviceGetName(" + index + ")");
    byte[] uuid = new byte[NvmlLibrary.STRING_BUFFER_SIZE];
    check(nvml.nvmlDeviceGetUUID(handle, uuid, uuid.length), "nvmlDeviceGetUUID(" + index + ")");
    NvmlLibrary.Memory mem = new NvmlLibrary.Memory();
    check(nvml.nvmlDeviceGetMemoryInfo(handle, mem), "nvmlDeviceGetMemoryInfo(" + index + ")");
    NvmlLibrary.PciInfo pci = new NvmlLibrary.PciInfo();
    check(nvml.nvmlDeviceGetPciInfo_v3(handle, pci), "nvmlDeviceGetPciInfo_v3(" + index + ")");
    byte[] serial = new byte[NvmlLibrary.STRING_BUFFER_SIZE];
    String serialText = optional(call(() -> nvml.nvmlDeviceGetSerial(handle, serial, serial.length)), "serial", index)
        ? blankToNull(cString(serial)) : null;
    IntByReference current = new IntByReference();
    IntByReference pending = new IntByReference();
    String mig = optional(call(() -> nvml.nvmlDeviceGetMigMode(handle, current, pending)), "MIG mode", index)
        ? (current.getValue() == NvmlLibrary.NVML_FEATURE_ENABLED ? "Enabled" : "Disabled") : null;
    return new GpuDevice(index, cString(uuid), cString(name), mem.total, cString(pci.busId), null, serialText, mig);
  }

  /**
   * The link matrix: the closest common PCIe ancestor of each pair, and the active NVLinks between
   * them. A link whose remote end is no GPU of this node goes to an NVSwitch: GPUs that both reach
   * the switch fabric are joined by the fewer of their fabric links (how nvidia-smi shows NV18 on
   * an HGX board).
   */
  private List<GpuLink> topology(List<GpuDevice> devices) {
    int n = handles.size();
    Map<String, Integer> byBus = new HashMap<>();
    for (GpuDevice d : devices) {
      byBus.put(normalizeBusId(d.pciBusId()), d.index());
    }
    int[][] direct = new int[n][n];
    int[] fabric = new int[n];
    for (int i = 0; i < n; i++) {
      List<Integer> active = new ArrayList<>();
      Pointer h = handles.get(i);
      for (int link = 0; link < NvmlLibrary.NVML_NVLINK_MAX_LINKS; link++) {
        int l = link;
        IntByReference state = new IntByReference();
        int rc = call(() -> nvml.nvmlDeviceGetNvLinkState(h, l, state));
        if (rc == NvmlLibrary.NVML_ERROR_INVALID_ARGUMENT) {
          break; // past the last link of this device
        }
        if (rc != NvmlLibrary.NVML_SUCCESS) {
          if (link == 0) {
            optional(rc, "NVLink state", i);
            break; // no NVLink on this device
          }
          continue;
        }
        if (state.getValue() != NvmlLibrary.NVML_FEATURE_ENABLED) {
          continue;
        }
        active.add(link);
        NvmlLibrary.PciInfo remote = new NvmlLibrary.PciInfo();
        if (!optional(call(() -> nvml.nvmlDeviceGetNvLinkRemotePciInfo_v2(h, l, remote)), "NVLink remote PCI info", i)) {
          continue;
        }
        Integer peer = byBus.get(normalizeBusId(cString(remote.busId)));
        if (peer == null) {
          fabric[i]++;
        } else if (peer != i) {
          direct[i][peer]++;
        }
      }
      activeLinks.add(List.copyOf(active));
    }
    List<GpuLink> links = new ArrayList<>();
    for (int a = 0; a < n; a++) {
      for (int b = a + 1; b < n; b++) {
        // each side counts the same links; the smaller count is the one both agree on
        int nvlinks = Math.min(direct[a][b], direct[b][a]) + Math.min(fabric[a], fabric[b]);
        IntByReference level = new IntByReference();
        Pointer ha = handles.get(a);
        Pointer hb = handles.get(b);
        String path = optional(call(() -> nvml.nvmlDeviceGetTopologyCommonAncestor(ha, hb, level)), "topology", a)
            ? TOPOLOGY_PATHS.getOrDefault(level.getValue(), "SYS") : null;
        if (nvlinks > 0) {
          links.add(new GpuLink(a, b, "NVLINK", nvlinks));
        } else if (path != null) {
          links.add(new GpuLink(a, b, path, 0));
        }
      }
    }
    return links;
  }

  /** "00000000:1B:00.0" and "0000:1b:00.0" name the same device. */
  static String normalizeBusId(String busId) {
    String s = busId.trim().toLowerCase(Locale.ROOT);
    int colon = s.indexOf(':');
    if (colon < 0 || s.indexOf(':', colon + 1) < 0) {
      return s;
    }
    try {
      long domain = Long.parseLong(s.substring(0, colon), 16);
      return String.format("%08x%s", domain, s.substring(colon));
    } catch (NumberFormatException e) {
      return s;
    }
  }

  /** Runs one NVML call; a symbol the loaded driver lacks answers NVML_ERROR_FUNCTION_NOT_FOUND. */
  private static int call(IntSupplier nvmlCall) {
    try {
      return nvmlCall.getAsInt();
    } catch (UnsatisfiedLinkError e) {
      return NvmlLibrary.NVML_ERROR_FUNCTION_NOT_FOUND;
    }
  }

  /** Returns true on success; false (logged once per kind and GPU) otherwise. */
  private boolean optional(int rc, String what, int index) {
    if (rc == NvmlLibrary.NVML_SUCCESS) {
      return true;
    }
    if (reported.add(what + "/" + index + "/" + rc)) {
      log.warn("NVML cannot read {} of GPU {}: {}; skipping it", what, index, errorText(rc));
    }
    return false;
  }

  private void check(int rc, String call) {
    if (rc != NvmlLibrary.NVML_SUCCESS) {
      throw new NvmlException(call + " failed: " + errorText(rc), rc);
    }
  }

  String errorText(int rc) {
    String text;
    try {
      text = nvml.nvmlErrorString(rc);
    } catch (RuntimeException | UnsatisfiedLinkError e) {
      text = null;
    }
    return (text == null || text.isBlank() ? "NVML error" : text) + " (nvmlReturn_t " + rc + ")";
  }

  private static String cString(byte[] bytes) {
    int end = 0;
    while (end < bytes.length && bytes[end] != 0) {
      end++;
    }
    return new String(bytes, 0, end, StandardCharsets.UTF_8);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }

  /** Counts of one round of health readings over all GPUs. */
  private static final class Round {
    int successes;
    String firstError;
  }

  /** One GPU's part of a round: classifies each answer as a value, unsupported, lost or an error. */
  private final class GpuRound {
    final Round round;
    final int index;
    boolean lost;

    GpuRound(Round round, int index) {
      this.round = round;
      this.index = index;
    }

    boolean read(String what, IntSupplier nvmlCall) {
      if (lost) {
        return false;
      }
      int rc = call(nvmlCall);
      switch (rc) {
        case NvmlLibrary.NVML_SUCCESS -> {
          round.successes++;
          return true;
        }
        case NvmlLibrary.NVML_ERROR_GPU_IS_LOST, NvmlLibrary.NVML_ERROR_RESET_REQUIRED -> {
          lost = true;
          // a lost GPU is an answer: the driver works
          round.successes++;
          if (reported.add("lost/" + index + "/" + rc)) {
            log.error("GPU {} is lost: {} while reading {}", index, errorText(rc), what);
          }
          return false;
        }
        case NvmlLibrary.NVML_ERROR_NOT_SUPPORTED, NvmlLibrary.NVML_ERROR_FUNCTION_NOT_FOUND,
            NvmlLibrary.NVML_ERROR_NO_PERMISSION, NvmlLibrary.NVML_ERROR_NOT_FOUND -> {
          round.successes++;
          optional(rc, what, index);
          return false;
        }
        default -> {
          if (round.firstError == null) {
            round.firstError = what + " of GPU " + index + ": " + errorText(rc);
          }
          optional(rc, what, index);
          return false;
        }
      }
    }
  }
}
