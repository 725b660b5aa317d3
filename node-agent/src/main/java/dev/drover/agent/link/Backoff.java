package dev.drover.agent.link;

import java.util.random.RandomGenerator;

/**
 * When to try the next coordinator address. After a failure the next address is tried within
 * 250 ms; only once every address of a round has failed does the pause grow, from at most 0.5 s,
 * doubling up to 5 s. Each delay is drawn from the upper half of its ceiling, so agents that lost
 * the same coordinator do not reconnect in lockstep. A Welcome starts over.
 */
public final class Backoff {
  static final long NEXT_ADDRESS_MILLIS = 250;
  static final long FIRST_ROUND_MILLIS = 500;
  static final long CAP_MILLIS = 5_000;

  private final RandomGenerator random;
  private final int addresses;
  private int failures;

  /**
   * @param addresses how many coordinator addresses make one round (at least 1)
   */
  public Backoff(RandomGenerator random, int addresses) {
    if (addresses < 1) {
      throw new IllegalArgumentException("at least one coordinator address is needed");
    }
    this.random = random;
    this.addresses = addresses;
  }

  /** The delay before the next attempt; each call counts one more failure. */
  public long nextDelayMillis() {
    failures++;
    long ceiling;
    if (failures % addresses != 0) {
      ceiling = NEXT_ADDRESS_MILLIS;
    } else {
      int rounds = failures / addresses;
      ceiling = Math.min(CAP_MILLIS, FIRST_ROUND_MILLIS << Math.min(rounds - 1, 10));
    }
    return ceiling / 2 + random.nextLong(ceiling / 2 + 1);
  }

  /** A coordinator welcomed this agent: the next loss is again followed by a quick try. */
  public void reset() {
    failures = 0;
  }
}
