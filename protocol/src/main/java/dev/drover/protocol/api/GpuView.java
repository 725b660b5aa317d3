package dev.drover.protocol.api;

/**
 * One GPU of a node as the API shows it, with its allocation and its latest telemetry.
 *
 * @param health Healthy, Degraded or Unhealthy
 * @param allocatedTo "jobId/rank" of the replica holding it, or null
 * @param healthReason why it is not Healthy, or null
 * @param schedulable whether placement may use it now (not unhealthy, not in its recovery hold)
 */
public record GpuView(
    int index,
    String uuid,
    String name,
    long memoryBytes,
    String pciBusId,
    String health,
    String allocatedTo,
    Integer utilizationPercent,
    Long memoryUsedBytes,
    Integer temperatureC,
    Double powerWatts,
    String healthReason,
    Boolean schedulable) {

  public GpuView(int index, String uuid, String name, long memoryBytes, String pciBusId, String health, String allocatedTo,
      Integer utilizationPercent, Long memoryUsedBytes, Integer temperatureC, Double powerWatts) {
    this(index, uuid, name, memoryBytes, pciBusId, health, allocatedTo, utilizationPercent, memoryUsedBytes, temperatureC,
        powerWatts, null, null);
  }
}
