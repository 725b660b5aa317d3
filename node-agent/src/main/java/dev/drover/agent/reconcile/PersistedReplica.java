package dev.drover.agent.reconcile;

import dev.drover.protocol.agent.ReplicaAssignment;
import dev.drover.protocol.agent.ReplicaStatus;

/**
 * One replica as written to state.json.
 *
 * @param startTicks start time of its process in clock ticks since boot (from /proc/pid/stat),
 *     so a later agent can tell its process from an unrelated one that reused the pid; null when
 *     it never started
 */
public record PersistedReplica(ReplicaAssignment assignment, ReplicaStatus status, Long startTicks) {}
