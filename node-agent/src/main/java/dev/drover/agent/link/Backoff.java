package dev.drover.agent.link;

import java.util.random.RandomGenerator;

/**
 * When to try the next coordinator address, and how patient to be with a slow one.
 *
 * <p>Delays use full jitter (a uniform draw between zero and the ceiling), so a thousand agents that
 * lost the same coordinator spread their reconnects over the whole window instead of arriving in
 * waves. After a failure the next address is tried within 250 ms; only once every address of a round
 * has failed does the ceiling grow, from 0.5 s, doubling up to 10 s.
 *
 * <p>A Welcome alone does not start over: a link that is welcomed and then lost again within
 * {@link #STABLE_MILLIS} (a coordinator too busy to keep it) keeps counting, so an overloaded
 * coordinator sees its agents back off rather than reconnect in a storm. A link that stayed up that
 * long was a success, and the next loss is again followed by a quick try.
 *
 * <p>Patience: each time a link is given up because the coordinator was slow (silent, or the opening
 * handshake timed out) rather than gone (connection refused or reset), the silence and handshake
 * timeouts double, up to {@link #MAX_PATIENCE_DOUBLINGS} times the configured one, so that a
 * coordinator behind on its work is not also made to accept the same agents again and again.
 */
public final class Backoff {
  static final long NEXT_ADDRESS_MILLIS = 250;
  static final long FIRST_ROUND_MILLIS = 500;
  static final long CAP_MILLIS = 10_000;
  /** A link that lived this long after its Welcome was a success. */
  static final long STABLE_MILLIS = 30_000;
  /** The silence and handshake timeouts grow to at most 2^this times the configured one. */
  public static final int MAX_PATIENCE_DOUBLINGS = 2;
  /**
   * After a slow failure, the next try of the same address (one address, or a full round) is drawn
   * from at least this window: the agents that gave up on a busy coordinator together come back
   * spread over seconds rather than within the usual half second.
   */
  static final long AFTER_SLOW_MILLIS = 5_000;

  private final RandomGenerator random;
  private final int addresses;
  private int failures;
  private int slowFailures;
  private boolean slowSinceLastTry;
  /** When the current link was welcomed (milliseconds), or -1 when no link is welcomed. */
  private long welcomedAt = -1;

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

  /**
   * The delay before the next attempt, drawn uniformly from [0, ceiling]; each call counts one more
   * failure (after a link that was stable, the count starts over).
   *
   * @param nowMillis a monotonic clock in milliseconds
   */
  public long nextDelayMillis(long nowMillis) {
    forgetIfStable(nowMillis);
    welcomedAt = -1;
    failures++;
    long ceiling;
    if (failures % addresses != 0) {
      ceiling = NEXT_ADDRESS_MILLIS;
    } else {
      int rounds = failures / addresses;
      ceiling = Math.min(CAP_MILLIS, FIRST_ROUND_MILLIS << Math.min(rounds - 1, 10));
      if (slowSinceLastTry) ceiling = Math.max(ceiling, AFTER_SLOW_MILLIS);
    }
    slowSinceLastTry = false;
    return random.nextLong(ceiling + 1);
  }

  /** The link that is being given up failed because the coordinator was slow, not gone. */
  public void slow() {
    slowFailures++;
    slowSinceLastTry = true;
  }

  /** A coordinator welcomed this agent at {@code nowMillis}. */
  public void welcomed(long nowMillis) {
    welcomedAt = nowMillis;
  }

  /**
   * The silence (and handshake) timeout to use now: the configured one, doubled for each slow
   * failure since the last stable link, at most {@link #MAX_PATIENCE_DOUBLINGS} times.
   */
  public long patienceMillis(long configuredMillis, long nowMillis) {
    forgetIfStable(nowMillis);
    return configuredMillis << Math.min(slowFailures, MAX_PATIENCE_DOUBLINGS);
  }

  private void forgetIfStable(long nowMillis) {
    if (welcomedAt >= 0 && nowMillis - welcomedAt >= STABLE_MILLIS) {
      failures = 0;
      slowFailures = 0;
    }
  }
}
