package dev.drover.agent.link;

import java.util.random.RandomGenerator;

/**
 * Capped exponential backoff with jitter: the first retry comes within 0.5 s, then the ceiling
 * doubles up to 5 s; each delay is drawn from the upper half of its ceiling, so agents that lost
 * the same coordinator do not reconnect in lockstep.
 */
public final class Backoff {
  static final long FIRST_MILLIS = 500;
  static final long CAP_MILLIS = 5_000;

  private final RandomGenerator random;
  private int failures;

  public Backoff(RandomGenerator random) {
    this.random = random;
  }

  /** The delay before the next attempt; each call counts one more failure. */
  public long nextDelayMillis() {
    long ceiling = Math.min(CAP_MILLIS, FIRST_MILLIS << Math.min(failures, 10));
    failures++;
    return ceiling / 2 + random.nextLong(ceiling / 2 + 1);
  }

  /** A connection was accepted: start from the shortest delay again. */
  public void reset() {
    failures = 0;
  }
}
