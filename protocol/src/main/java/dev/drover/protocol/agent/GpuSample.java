package dev.drover.protocol.agent;

/** One telemetry sample of one GPU; soft state, never journaled. */
public record GpuSample(
    int index, int utilizationPercent, long memoryUsedBytes, int temperatureC, double powerWatts) {}
