package dev.drover.agent.gpu;

import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * JNA binding of the subset of {@code libnvidia-ml.so.1} the agent reads (signatures as in
 * nvml.h of NVML 12). Every function returns an nvmlReturn_t (0 = NVML_SUCCESS). Device handles
 * and event sets are opaque pointers; C enums and unsigned int are Java int, unsigned long long
 * is Java long. Only getters: the agent never changes anything on a card.
 *
 * <p>A function an older driver lacks throws {@link UnsatisfiedLinkError} when called; {@link
 * NvmlBackend} treats that as NVML_ERROR_FUNCTION_NOT_FOUND.
 */
public interface NvmlLibrary extends Library {
  int NVML_SUCCESS = 0;
  int NVML_ERROR_UNINITIALIZED = 1;
  int NVML_ERROR_INVALID_ARGUMENT = 2;
  int NVML_ERROR_NOT_SUPPORTED = 3;
  int NVML_ERROR_NO_PERMISSION = 4;
  int NVML_ERROR_NOT_FOUND = 6;
  int NVML_ERROR_INSUFFICIENT_SIZE = 7;
  int NVML_ERROR_DRIVER_NOT_LOADED = 9;
  int NVML_ERROR_TIMEOUT = 10;
  int NVML_ERROR_FUNCTION_NOT_FOUND = 13;
  int NVML_ERROR_GPU_IS_LOST = 15;
  int NVML_ERROR_RESET_REQUIRED = 16;
  int NVML_ERROR_UNKNOWN = 999;

  int NVML_TEMPERATURE_GPU = 0;
  /** nvmlTemperatureThresholds_t */
  int NVML_TEMPERATURE_THRESHOLD_SHUTDOWN = 0;
  int NVML_TEMPERATURE_THRESHOLD_SLOWDOWN = 1;
  /** nvmlClockType_t */
  int NVML_CLOCK_SM = 1;
  /** nvmlMemoryErrorType_t */
  int NVML_MEMORY_ERROR_TYPE_CORRECTED = 0;
  int NVML_MEMORY_ERROR_TYPE_UNCORRECTED = 1;
  /** nvmlEccCounterType_t */
  int NVML_VOLATILE_ECC = 0;
  /** nvmlPageRetirementCause_t */
  int NVML_PAGE_RETIREMENT_CAUSE_MULTIPLE_SINGLE_BIT_ECC_ERRORS = 0;
  int NVML_PAGE_RETIREMENT_CAUSE_DOUBLE_BIT_ECC_ERROR = 1;
  /** nvmlEnableState_t; also NVML_DEVICE_MIG_DISABLE / _ENABLE */
  int NVML_FEATURE_DISABLED = 0;
  int NVML_FEATURE_ENABLED = 1;
  /** nvmlGpuTopologyLevel_t */
  int NVML_TOPOLOGY_INTERNAL = 0;
  int NVML_TOPOLOGY_SINGLE = 10;
  int NVML_TOPOLOGY_MULTIPLE = 20;
  int NVML_TOPOLOGY_HOSTBRIDGE = 30;
  int NVML_TOPOLOGY_NODE = 40;
  int NVML_TOPOLOGY_SYSTEM = 50;
  int NVML_NVLINK_MAX_LINKS = 18;
  /** nvmlNvLinkErrorCounter_t: DL_REPLAY, DL_RECOVERY, DL_CRC_FLIT, DL_CRC_DATA, DL_ECC_DATA */
  int NVML_NVLINK_ERROR_COUNTERS = 5;
  long NVML_EVENT_TYPE_SINGLE_BIT_ECC_ERROR = 0x1L;
  long NVML_EVENT_TYPE_DOUBLE_BIT_ECC_ERROR = 0x2L;
  long NVML_EVENT_TYPE_XID_CRITICAL_ERROR = 0x8L;

  /** NVML_DEVICE_NAME_V2_BUFFER_SIZE; also large enough for UUIDs (80), serials (30) and the driver version (80). */
  int STRING_BUFFER_SIZE = 96;

  int nvmlInit_v2();

  int nvmlShutdown();

  String nvmlErrorString(int result);

  int nvmlSystemGetDriverVersion(byte[] version, int length);

  int nvmlDeviceGetCount_v2(IntByReference deviceCount);

  int nvmlDeviceGetHandleByIndex_v2(int index, PointerByReference device);

  int nvmlDeviceGetName(Pointer device, byte[] name, int length);

  int nvmlDeviceGetUUID(Pointer device, byte[] uuid, int length);

  int nvmlDeviceGetSerial(Pointer device, byte[] serial, int length);

  int nvmlDeviceGetMemoryInfo(Pointer device, Memory memory);

  int nvmlDeviceGetPciInfo_v3(Pointer device, PciInfo pci);

  int nvmlDeviceGetMigMode(Pointer device, IntByReference currentMode, IntByReference pendingMode);

  int nvmlDeviceGetTopologyCommonAncestor(Pointer device1, Pointer device2, IntByReference pathInfo);

  int nvmlDeviceGetNvLinkState(Pointer device, int link, IntByReference isActive);

  int nvmlDeviceGetNvLinkRemotePciInfo_v2(Pointer device, int link, PciInfo pci);

  int nvmlDeviceGetNvLinkErrorCounter(Pointer device, int link, int counter, LongByReference counterValue);

  int nvmlDeviceGetUtilizationRates(Pointer device, Utilization utilization);

  int nvmlDeviceGetTemperature(Pointer device, int sensorType, IntByReference temp);

  int nvmlDeviceGetTemperatureThreshold(Pointer device, int thresholdType, IntByReference temp);

  int nvmlDeviceGetPowerUsage(Pointer device, IntByReference milliwatts);

  int nvmlDeviceGetClockInfo(Pointer device, int type, IntByReference clockMhz);

  int nvmlDeviceGetCurrentClocksEventReasons(Pointer device, LongByReference reasons);

  int nvmlDeviceGetCurrentClocksThrottleReasons(Pointer device, LongByReference reasons);

  int nvmlDeviceGetTotalEccErrors(Pointer device, int errorType, int counterType, LongByReference eccCounts);

  int nvmlDeviceGetRetiredPages(Pointer device, int cause, IntByReference pageCount, long[] addresses);

  int nvmlDeviceGetRetiredPagesPendingStatus(Pointer device, IntByReference isPending);

  int nvmlDeviceGetRemappedRows(Pointer device, IntByReference corrRows, IntByReference uncRows,
      IntByReference isPending, IntByReference failureOccurred);

  int nvmlDeviceGetPcieReplayCounter(Pointer device, IntByReference value);

  int nvmlDeviceGetSupportedEventTypes(Pointer device, LongByReference eventTypes);

  int nvmlEventSetCreate(PointerByReference set);

  int nvmlDeviceRegisterEvents(Pointer device, long eventTypes, Pointer set);

  int nvmlEventSetWait_v2(Pointer set, EventData data, int timeoutMs);

  int nvmlEventSetWait(Pointer set, EventData data, int timeoutMs);

  int nvmlEventSetFree(Pointer set);

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

  /**
   * nvmlEventData_t as of NVML 11+: the device, the event type bit, the XID for XID events, and
   * the MIG instance ids (0xFFFFFFFF when not attributable). Older drivers fill only the first
   * three fields, which is harmless since the buffer is large enough.
   */
  @Structure.FieldOrder({"device", "eventType", "eventData", "gpuInstanceId", "computeInstanceId"})
  class EventData extends Structure {
    public Pointer device;
    public long eventType;
    public long eventData;
    public int gpuInstanceId;
    public int computeInstanceId;
  }
}
