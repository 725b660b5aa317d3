package dev.drover.agent.gpu;

import java.time.Instant;

/**
 * One fault injected into a {@link SimulatedBackend}.
 *
 * @param gpu the GPU index, null for a node-level fault
 * @param value the XID number, the count to add, or the temperature, per {@link FaultKind#value()};
 *     null when the kind takes none
 * @param at when it was injected
 */
public record SimulatedFault(Integer gpu, FaultKind kind, Long value, Instant at) {}
