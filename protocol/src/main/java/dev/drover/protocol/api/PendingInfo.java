package dev.drover.protocol.api;

import java.time.Instant;
import java.util.Map;

/**
 * Why a job waits, as the scheduler's last cycle saw it.
 *
 * @param code e.g. INSUFFICIENT_GPUS, GANG_DOES_NOT_FIT, QUOTA_EXCEEDED, WAITING_FOR_PREEMPTION,
 *     RESERVED_FOR_HIGHER_PRIORITY, NO_MATCHING_NODES, NEVER_FITS, NO_NODES
 * @param rejectedNodesByFilter how many nodes each filter turned away, e.g. {"GpuFit": 12, "NodeNotCordoned": 3}
 * @param queuePosition 1-based position among waiting jobs in scheduling order
 * @param quota the queue quota that limits the job, when one does
 * @param estimatedStart when a reservation expects it to start (backfill), if known
 */
public record PendingInfo(
    String code,
    String message,
    Map<String, Integer> rejectedNodesByFilter,
    int queuePosition,
    String quota,
    Instant estimatedStart) {}
