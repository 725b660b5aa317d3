package dev.drover.protocol.api;

/**
 * Body of creating or updating a queue.
 *
 * @param parent the parent queue; null for a top-level queue
 * @param guaranteedGpus GPUs the queue is always entitled to (taken back by reclaim when lent)
 * @param weight its share of idle capacity relative to sibling queues (DRF weight)
 * @param borrowLimitGpus how many GPUs beyond its guarantee it may borrow while they are idle
 */
public record QueueRequest(String name, String parent, Integer guaranteedGpus, Double weight, Integer borrowLimitGpus) {}
