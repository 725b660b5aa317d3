package dev.drover.coordinator.scheduling.model;

import java.util.Objects;

/** A running gang the cycle decided to stop, whole, so that a pending job can start once it has stopped. */
public record Preemption(String victimJobId, int victimAttempt, String forJobId, String reasonCode, String message) {

    /** The preemptor has strictly higher priority in the victim's queue. */
    public static final String PRIORITY = "PRIORITY";
    /** The preemptor's queue is below its guarantee and takes back GPUs the victim's queue borrowed. */
    public static final String RECLAIM = "RECLAIM";

    public Preemption {
        Objects.requireNonNull(victimJobId, "victimJobId");
        Objects.requireNonNull(forJobId, "forJobId");
        Objects.requireNonNull(reasonCode, "reasonCode");
        Objects.requireNonNull(message, "message");
    }
}
