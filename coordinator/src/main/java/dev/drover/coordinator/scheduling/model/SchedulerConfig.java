package dev.drover.coordinator.scheduling.model;

import java.time.Duration;
import java.util.Objects;

/** The policy switches a cycle runs under: preemption limits and whether backfill and preemption run at all. */
public record SchedulerConfig(Duration minRuntimeBeforePreemption, int maxPreemptionsPerJobPerHour, boolean backfill,
                              boolean preemption) {

    private static final SchedulerConfig DEFAULTS = new SchedulerConfig(Duration.ofMinutes(5), 3, true, true);

    public SchedulerConfig {
        Objects.requireNonNull(minRuntimeBeforePreemption, "minRuntimeBeforePreemption");
        if (minRuntimeBeforePreemption.isNegative() || maxPreemptionsPerJobPerHour < 0) {
            throw new IllegalArgumentException("preemption limits must not be negative");
        }
    }

    /** Five minutes of runtime before a job may be preempted, at most three preemptions a job per hour, backfill and preemption on. */
    public static SchedulerConfig defaults() {
        return DEFAULTS;
    }
}
