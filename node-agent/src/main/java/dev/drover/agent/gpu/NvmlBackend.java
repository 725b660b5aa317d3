package dev.drover.agent.gpu;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;
import dev.drover.protocol.agent.GpuDevice;
import dev.drover.protocol.agent.GpuSample;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads GPUs from the NVIDIA driver through NVML. Read-only: it never changes clocks, power limits
 * or modes of a (possibly shared) card.
 *
 * <p>Telemetry fields a device does not support (e.g. power on some boards) are reported as -1.
 */
public final class NvmlBackend implements GpuBackend {
  /** The soname the driver installs; no unversioned symlink exists without the CUDA dev package. */
  public static final String DEFAULT_LIBRARY = "libnvidia-ml.so.1";
  /** System property that overrides the library name or path (tests point it at a fake). */
  public static final String LIBRARY_PROPERTY = "drover.nvml.library";

  private static final Logger log = LoggerFactory.getLogger(NvmlBackend.class);

  private final NvmlLibrary nvml;
  private final String libraryName;
  private final List<Pointer> handles;
  private final GpuInventory inventory;
  private final Set<String> unsupportedReported = new HashSet<>();
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
        devices.add(describe(i, handle));
      }
      this.handles = List.copyOf(found);
      this.inventory = new GpuInventory("nvml", cString(driver), devices);
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
      int utilization = optional(nvml.nvmlDeviceGetUtilizationRates(h, util), "utilization", i) ? util.gpu : -1;
      NvmlLibrary.Memory mem = new NvmlLibrary.Memory();
      long used = optional(nvml.nvmlDeviceGetMemoryInfo(h, mem), "memory", i) ? mem.used : -1;
      IntByReference temp = new IntByReference();
      int temperature =
          optional(nvml.nvmlDeviceGetTemperature(h, NvmlLibrary.NVML_TEMPERATURE_GPU, temp), "temperature", i)
              ? temp.getValue()
              : -1;
      IntByReference milliwatts = new IntByReference();
      double power = optional(nvml.nvmlDeviceGetPowerUsage(h, milliwatts), "power", i) ? milliwatts.getValue() / 1000.0 : -1;
      samples.add(new GpuSample(i, utilization, used, temperature, power));
    }
    return samples;
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      int rc = nvml.nvmlShutdown();
      if (rc != NvmlLibrary.NVML_SUCCESS) {
        log.warn("nvmlShutdown failed: {}", describe(rc));
      }
    }
  }

  /** The library this backend was loaded from, for log lines. */
  public String libraryName() {
    return libraryName;
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
    return new GpuDevice(index, cString(uuid), cString(name), mem.total, cString(pci.busId));
  }

  /** Returns true on success; false (logged once per kind) when the device does not support it. */
  private boolean optional(int rc, String what, int index) {
    if (rc == NvmlLibrary.NVML_SUCCESS) {
      return true;
    }
    if (unsupportedReported.add(what + "/" + index)) {
      log.warn("NVML cannot read {} of GPU {}: {}; reporting -1", what, index, describe(rc));
    }
    return false;
  }

  private void check(int rc, String call) {
    if (rc != NvmlLibrary.NVML_SUCCESS) {
      throw new NvmlException(call + " failed: " + describe(rc), rc);
    }
  }

  private String describe(int rc) {
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
}
