package dev.drover.coordinator.scheduling.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The output of one cycle: gangs to start, in decision order, and a reason for every pending job left unplaced. */
public record Plan(List<Placement> placements, Map<String, PendingReason> pendingReasons) {
    public Plan {
        placements = List.copyOf(placements);
        // Insertion order (the cycle's job order) is kept so the plan reads, and serializes, the same every time.
        pendingReasons = Collections.unmodifiableMap(new LinkedHashMap<>(pendingReasons));
    }
}
