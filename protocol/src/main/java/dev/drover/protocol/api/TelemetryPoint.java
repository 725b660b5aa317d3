package dev.drover.protocol.api;

import java.time.Instant;
import java.util.List;

/** One telemetry sample of one GPU; fields the device cannot report are null. */
public record TelemetryPoint(
    Instant at,
    Integer utilizationPercent,
    Long memoryUsedBytes,
    Integer temperatureC,
    Double powerWatts,
    Integer smClockMhz,
    List<String> throttleReasons) {}
