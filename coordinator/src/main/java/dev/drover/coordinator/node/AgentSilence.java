package dev.drover.coordinator.node;

import java.time.Duration;
import java.time.Instant;

/**
 * How long a node's agent has been silent, as its entity can vouch for: the time between two of
 * the entity's own observations (a tick or a message) counts for at most {@code maxStep}. A
 * coordinator that falls behind (its dispatcher starved, the entity's mailbox backed up, frames
 * waiting in its HTTP layer) observes late, and a late observation says nothing about the agent:
 * without the cap one lagging second of the coordinator's own would make every agent look silent
 * at once. With the entity ticking on time the count is the plain time since the last message.
 */
final class AgentSilence {
  private final Duration maxStep;
  private Instant lastObserved;
  private Duration silent = Duration.ZERO;

  AgentSilence(Duration maxStep, Instant now) {
    this.maxStep = maxStep;
    this.lastObserved = now;
  }

  /** A message from the agent was processed now. */
  void heard(Instant now) {
    silent = Duration.ZERO;
    lastObserved = now;
  }

  /** The entity's tick: the silence counted so far, this step included. */
  Duration tick(Instant now) {
    Duration step = Duration.between(lastObserved, now);
    if (step.isNegative()) step = Duration.ZERO;
    silent = silent.plus(step.compareTo(maxStep) > 0 ? maxStep : step);
    lastObserved = now;
    return silent;
  }
}
