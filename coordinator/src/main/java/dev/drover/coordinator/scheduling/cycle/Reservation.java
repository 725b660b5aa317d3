package dev.drover.coordinator.scheduling.cycle;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/** Backfill's promise to the highest-priority blocked gang: the earliest time it fits, and where. */
public record Reservation(String jobId, Instant start, List<ReplicaClaim> replicas) {
    public Reservation {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(start, "start");
        replicas = List.copyOf(replicas);
    }
}
