package dev.drover.coordinator.scheduling.action;

import java.util.List;

/** An action that places jobs and, when one is blocked for capacity, escalates it at its turn to reclaim, then preempt. */
abstract class EscalatingAction implements Action {
    final List<PreemptingAction> escalations;

    /** Without escalation: a blocked job only waits. */
    EscalatingAction() {
        this.escalations = List.of();
    }

    /** Escalates a job blocked for capacity, at its turn, to each action in order (reclaim, then preempt). */
    EscalatingAction(Reclaim reclaim, Preempt preempt) {
        this.escalations = List.of(reclaim, preempt);
    }
}
