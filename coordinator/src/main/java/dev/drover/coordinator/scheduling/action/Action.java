package dev.drover.coordinator.scheduling.action;

import dev.drover.coordinator.scheduling.cycle.CycleSession;

/**
 * One step of a cycle (allocate, backfill, reclaim, preempt), run least to most disruptive on the session
 * the previous step left.
 */
public interface Action {

    String name();

    void execute(CycleSession session);
}
