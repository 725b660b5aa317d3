package dev.drover.agent.gpu;

/**
 * The health-relevant readings of one GPU at one moment. A null field is a reading the device
 * does not support (or that failed); the policy skips it.
 *
 * @param eccSbeVolatile corrected (single-bit) ECC errors since the driver loaded
 * @param eccDbeVolatile uncorrected (double-bit) ECC errors since the driver loaded
 * @param retiredPages pages retired for either cause (pre-Ampere page retirement)
 * @param retiredPagesPending a retirement waits for the next reset or reboot
 * @param rowRemapPending a row remapping waits for the next GPU reset (Ampere and newer)
 * @param rowRemapFailure a row remapping ever failed: the memory cannot repair itself
 * @param slowdownC the device's own slowdown threshold
 * @param shutdownC the device's own shutdown threshold
 * @param pcieReplays PCIe replay counter since the driver loaded
 * @param nvlinkErrors sum of the NVLink data-link error counters over all links
 * @param lost NVML answered NVML_ERROR_GPU_IS_LOST: fallen off the bus or otherwise gone
 */
public record GpuReadings(
    int index,
    String uuid,
    Long eccSbeVolatile,
    Long eccDbeVolatile,
    Integer retiredPages,
    Boolean retiredPagesPending,
    Boolean rowRemapPending,
    Boolean rowRemapFailure,
    Integer temperatureC,
    Integer slowdownC,
    Integer shutdownC,
    Long pcieReplays,
    Long nvlinkErrors,
    boolean lost) {

  /** A GPU that cannot be read at all. */
  public static GpuReadings lost(int index, String uuid) {
    return new GpuReadings(index, uuid, null, null, null, null, null, null, null, null, null, null, null, true);
  }
}
