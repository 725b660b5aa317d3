package dev.drover.agent.reconcile;

import java.util.List;

/**
 * The agent's actual state as kept in {@code <work-dir>/state.json}.
 *
 * @param forgotten allocation ids that ran here and were forgotten, so they are never started again
 */
public record PersistedState(int version, List<PersistedReplica> replicas, List<String> forgotten) {
  public static final int CURRENT_VERSION = 1;
}
