package dev.drover.protocol.agent;

import java.util.List;

/**
 * One telemetry sample of one GPU; soft state, never journaled. Values a device cannot report are
 * -1 (or null / empty for the optional fields).
 *
 * @param smClockMhz current SM clock
 * @param throttleReasons active clock event reasons, e.g. SW_POWER_CAP, HW_THERMAL_SLOWDOWN
 */
public record GpuSample(
    int index,
    int utilizationPercent,
    long memoryUsedBytes,
    int temperatureC,
    double powerWatts,
    Integer smClockMhz,
    List<String> throttleReasons) {

  public GpuSample {
    throttleReasons = throttleReasons == null ? List.of() : List.copyOf(throttleReasons);
  }

  /** A sample without clock data. */
  public GpuSample(int index, int utilizationPercent, long memoryUsedBytes, int temperatureC, double powerWatts) {
    this(index, utilizationPercent, memoryUsedBytes, temperatureC, powerWatts, null, List.of());
  }
}
