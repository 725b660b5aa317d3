package dev.drover.protocol.api;

import java.time.Instant;
import java.util.List;

/** One replica of the job's current (or last) attempt: where it runs and how it is doing. */
public record ReplicaView(
    int rank,
    String allocationId,
    String node,
    List<Integer> gpus,
    List<String> gpuUuids,
    String phase,
    Long pid,
    Integer exitCode,
    String termination,
    String message,
    Instant startedAt,
    Instant finishedAt) {}
