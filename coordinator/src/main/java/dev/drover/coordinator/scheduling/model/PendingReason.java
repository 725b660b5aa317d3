package dev.drover.coordinator.scheduling.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Why a pending job was not placed in a cycle: a stable code for programs, one human sentence, and
 * how many nodes each filter rejected (in filter order), as the API and UI show it.
 */
public record PendingReason(String code, String message, Map<String, Integer> rejectedNodesByFilter) {

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
    /** The gang exceeds the physical capacity of every registered node, whatever runs there. */
    public static final String NEVER_FITS = "NEVER_FITS";

    public PendingReason {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
        // A LinkedHashMap copy keeps the filter order, which Map.copyOf would lose.
        rejectedNodesByFilter = Collections.unmodifiableMap(new LinkedHashMap<>(rejectedNodesByFilter));
    }
}
