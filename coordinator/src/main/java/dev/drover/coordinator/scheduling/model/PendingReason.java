package dev.drover.coordinator.scheduling.model;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Why a pending job was not placed in a cycle, as the API and UI show it: a stable code for programs, one
 * human sentence, how many nodes each filter rejected (in filter order), the job's 1-based position in the
 * cycle's order (0 when unknown), the quota that limits it (or null), and its reserved start (or null).
 */
public record PendingReason(String code, String message, Map<String, Integer> rejectedNodesByFilter, int queuePosition,
                            String quota, Instant estimatedStart) {

    /** No node is registered at all. */
    public static final String NO_NODES = "NO_NODES";
    /** Every node is not ready, cordoned or draining. */
    public static final String NO_SCHEDULABLE_NODES = "NO_SCHEDULABLE_NODES";
    /** No schedulable node has enough free healthy GPUs for one replica. */
    public static final String INSUFFICIENT_GPUS = "INSUFFICIENT_GPUS";
    /** No schedulable node has enough free CPUs for one replica. */
    public static final String INSUFFICIENT_CPUS = "INSUFFICIENT_CPUS";
    /** No schedulable node has enough free memory for one replica. */
    public static final String INSUFFICIENT_MEMORY = "INSUFFICIENT_MEMORY";
    /** Some replicas fit, but not the whole gang. */
    public static final String GANG_DOES_NOT_FIT = "GANG_DOES_NOT_FIT";
    /** The job would fit the free capacity this cycle started with, but higher-priority jobs placed in this cycle took it. */
    public static final String WAITING_FOR_HIGHER_PRIORITY = "WAITING_FOR_HIGHER_PRIORITY";
    /** The gang fits, but no node it landed on has a free port for the rendezvous. */
    public static final String NO_FREE_PORT = "NO_FREE_PORT";
    /** The gang exceeds the physical capacity of every registered node, whatever runs there, or no node has its required labels. */
    public static final String NEVER_FITS = "NEVER_FITS";
    /** Starting the gang would take its queue, or an ancestor, past guaranteed + borrowable GPUs. */
    public static final String QUOTA_EXCEEDED = "QUOTA_EXCEEDED";
    /** Running jobs were preempted for this one; it starts once they have stopped. */
    public static final String WAITING_FOR_PREEMPTION = "WAITING_FOR_PREEMPTION";
    /** The gang would fit, but the free GPUs it needs are held for a higher-priority job's reservation or preemption. */
    public static final String RESERVED_FOR_HIGHER_PRIORITY = "RESERVED_FOR_HIGHER_PRIORITY";
    /** Every schedulable node lacks a label the job requires. */
    public static final String NO_MATCHING_NODES = "NO_MATCHING_NODES";

    public PendingReason {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
        // A LinkedHashMap copy keeps the filter order, which Map.copyOf would lose.
        rejectedNodesByFilter = rejectedNodesByFilter.isEmpty() ? Collections.emptyMap()
                : Collections.unmodifiableMap(new LinkedHashMap<>(rejectedNodesByFilter));
    }

    /** A reason with no position, quota or reserved start yet; the cycle adds them when it writes the plan. */
    public PendingReason(String code, String message, Map<String, Integer> rejectedNodesByFilter) {
        this(code, message, rejectedNodesByFilter, 0, null, null);
    }

    public PendingReason withQueuePosition(int position) {
        return new PendingReason(code, message, rejectedNodesByFilter, position, quota, estimatedStart);
    }

    public PendingReason withQuota(String quotaText) {
        return new PendingReason(code, message, rejectedNodesByFilter, queuePosition, quotaText, estimatedStart);
    }

    public PendingReason withEstimatedStart(Instant start) {
        return new PendingReason(code, message, rejectedNodesByFilter, queuePosition, quota, start);
    }
}
