package dev.drover.protocol.api;

import java.time.Instant;

/**
 * A queue with its quota and what it uses now.
 *
 * @param gpusAllocated GPUs its running jobs (and its children's) hold
 * @param gpusBorrowed GPUs held beyond its guarantee
 * @param fairShare its weighted dominant resource share (0 = idle, 1 = exactly its guarantee)
 */
public record QueueView(
    String name,
    String parent,
    int guaranteedGpus,
    double weight,
    int borrowLimitGpus,
    int gpusAllocated,
    int gpusBorrowed,
    double fairShare,
    int runningJobs,
    int pendingJobs,
    Instant createdAt) {}
