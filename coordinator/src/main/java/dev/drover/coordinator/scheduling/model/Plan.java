package dev.drover.coordinator.scheduling.model;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The output of one cycle: gangs to start, in decision order; running gangs to stop so that others can
 * start; a reason for every pending job left unplaced; and the start time reserved by backfill.
 */
public record Plan(List<Placement> placements, Map<String, PendingReason> pendingReasons, List<Preemption> preemptions,
                   Map<String, Instant> estimatedStarts) {
    public Plan {
        placements = List.copyOf(placements);
        // Insertion order (the cycle's job order) is kept so the plan reads, and serializes, the same every time.
        pendingReasons = Collections.unmodifiableMap(new LinkedHashMap<>(pendingReasons));
        preemptions = List.copyOf(preemptions);
        estimatedStarts = Collections.unmodifiableMap(new LinkedHashMap<>(estimatedStarts));
    }

    /** A plan that stops nothing and reserves nothing. */
    public Plan(List<Placement> placements, Map<String, PendingReason> pendingReasons) {
        this(placements, pendingReasons, List.of(), Map.of());
    }
}
