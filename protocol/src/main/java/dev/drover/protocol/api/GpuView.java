package dev.drover.protocol.api;

/**
 * One GPU of a node as the API shows it, with its allocation and its latest telemetry.
 *
 * @param allocatedTo "jobId/rank" of the replica holding it, or null
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
    Double powerWatts) {}
