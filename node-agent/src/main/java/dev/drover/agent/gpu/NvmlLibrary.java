package dev.drover.agent.gpu;

import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * JNA binding of the subset of {@code libnvidia-ml.so.1} the agent reads. Every function returns an
 * nvmlReturn_t (0 = NVML_SUCCESS). Device handles are opaque pointers.
 */
public interface NvmlLibrary extends Library {
  int NVML_SUCCESS = 0;
  int NVML_ERROR_NOT_SUPPORTED = 3;
  int NVML_TEMPERATURE_GPU = 0;
  /** NVML_DEVICE_NAME_V2_BUFFER_SIZE; also large enough for UUIDs (80) and the driver version (80). */
  int STRING_BUFFER_SIZE = 96;

  int nvmlInit_v2();

  int nvmlShutdown();

  String nvmlErrorString(int result);

  int nvmlSystemGetDriverVersion(byte[] version, int length);

  int nvmlDeviceGetCount_v2(IntByReference deviceCount);

  int nvmlDeviceGetHandleByIndex_v2(int index, PointerByReference device);

  int nvmlDeviceGetName(Pointer device, byte[] name, int length);

  int nvmlDeviceGetUUID(Pointer device, byte[] uuid, int length);

  int nvmlDeviceGetMemoryInfo(Pointer device, Memory memory);

  int nvmlDeviceGetPciInfo_v3(Pointer device, PciInfo pci);

  int nvmlDeviceGetUtilizationRates(Pointer device, Utilization utilization);

  int nvmlDeviceGetTemperature(Pointer device, int sensorType, IntByReference temp);

  int nvmlDeviceGetPowerUsage(Pointer device, IntByReference milliwatts);

  /** nvmlMemory_t: three unsigned long long, in bytes. */
  @Structure.FieldOrder({"total", "free", "used"})
  class Memory extends Structure {
    public long total;
    public long free;
    public long used;
  }

  /** nvmlUtilization_t: two unsigned int, percent over the last sample period. */
  @Structure.FieldOrder({"gpu", "memory"})
  class Utilization extends Structure {
    public int gpu;
    public int memory;
  }

  /** nvmlPciInfo_t as of NVML 11+ (the layout nvmlDeviceGetPciInfo_v3 fills). */
  @Structure.FieldOrder({
    "busIdLegacy", "domain", "bus", "device", "pciDeviceId", "pciSubSystemId", "busId"
  })
  class PciInfo extends Structure {
    public byte[] busIdLegacy = new byte[16];
    public int domain;
    public int bus;
    public int device;
    public int pciDeviceId;
    public int pciSubSystemId;
    public byte[] busId = new byte[32];
  }
}
