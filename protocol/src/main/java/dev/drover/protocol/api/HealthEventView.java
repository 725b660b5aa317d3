package dev.drover.protocol.api;

import java.time.Instant;

/**
 * One journaled health transition of a node or one of its GPUs.
 *
 * @param kind GPU_HEALTH, NODE_HEALTH, AUTO_CORDON or AUTO_UNCORDON
 * @param gpu the GPU index, or null for the node
 * @param from the status before (Healthy, Degraded, Unhealthy), or null for a cordon change
 * @param to the status after, or null for a cordon change
 */
public record HealthEventView(String kind, Integer gpu, String uuid, String from, String to, String reason, Instant at) {}
