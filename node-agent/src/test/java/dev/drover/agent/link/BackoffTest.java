package dev.drover.agent.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private static void assertBetween(long low, long high, long actual, String what) {
    assertTrue(actual >= low && actual <= high, what + ": " + actual + " not in [" + low + ", " + high + "]");
  }

  /** Always draws the top of the range: the delays are then the ceilings themselves. */
  private static final RandomGenerator TOP = new RandomGenerator() {
    @Override
    public long nextLong() {
      return Long.MAX_VALUE;
    }

    @Override
    public long nextLong(long bound) {
      return bound - 1;
    }
  };

  @Test
  void theNextAddressIsTriedQuicklyAndTheCeilingGrowsOnlyAfterAFullRound() {
    Backoff b = new Backoff(TOP, 3);
    long now = 0;
    for (int round = 1; round <= 7; round++) {
      assertEquals(250, b.nextDelayMillis(now), "round " + round + ", second address");
      assertEquals(250, b.nextDelayMillis(now), "round " + round + ", third address");
      assertEquals(Math.min(10_000, 500L << (round - 1)), b.nextDelayMillis(now), "after round " + round);
    }
  }

  @Test
  void delaysAreDrawnFromZeroToTheCeiling() {
    Backoff b = new Backoff(new Random(42), 1);
    long min = Long.MAX_VALUE;
    long max = 0;
    for (int i = 0; i < 200; i++) {
      long d = b.nextDelayMillis(0);
      assertBetween(0, 10_000, d, "capped");
      if (i >= 10) {
        min = Math.min(min, d);
        max = Math.max(max, d);
      }
    }
    // full jitter: some reconnects come early, some late, across the whole window
    assertTrue(min < 2_000, "lowest " + min);
    assertTrue(max > 8_000, "highest " + max);
  }

  @Test
  void aWelcomeStartsOverOnlyOnceTheLinkWasStable() {
    Backoff b = new Backoff(TOP, 1);
    for (int i = 0; i < 5; i++) b.nextDelayMillis(0);
    assertEquals(10_000, b.nextDelayMillis(0), "at the cap");
    // welcomed, then lost 3 s later: the coordinator could not keep the link, keep backing off
    b.welcomed(1_000);
    assertEquals(10_000, b.nextDelayMillis(4_000), "a short-lived link is no success");
    // welcomed, and the link lived 30 s: the next loss is tried quickly again
    b.welcomed(10_000);
    assertEquals(500, b.nextDelayMillis(10_000 + Backoff.STABLE_MILLIS), "after a stable link");
  }

  @Test
  void patienceDoublesWithSlowCoordinatorsUpToFourTimesAndResetsOnAStableLink() {
    Backoff b = new Backoff(TOP, 2);
    assertEquals(3_000, b.patienceMillis(3_000, 0));
    b.slow();
    assertEquals(6_000, b.patienceMillis(3_000, 0));
    b.slow();
    b.slow();
    assertEquals(12_000, b.patienceMillis(3_000, 0), "at most 4x");
    // a refused connection (coordinator gone) does not add patience
    b.nextDelayMillis(0);
    assertEquals(12_000, b.patienceMillis(3_000, 0));
    b.welcomed(100);
    assertEquals(12_000, b.patienceMillis(3_000, 5_000), "not yet stable");
    assertEquals(3_000, b.patienceMillis(3_000, 100 + Backoff.STABLE_MILLIS), "stable: back to the configured timeout");
  }

  @Test
  void afterASlowFailureTheSameAddressIsTriedWithinAWiderWindowButTheNextOneQuickly() {
    Backoff one = new Backoff(TOP, 1);
    one.slow();
    assertEquals(5_000, one.nextDelayMillis(0), "one address: the busy coordinator is retried within 5 s");
    assertEquals(1_000, one.nextDelayMillis(0), "a refusal after that: the usual ceiling");
    Backoff two = new Backoff(TOP, 2);
    two.slow();
    assertEquals(250, two.nextDelayMillis(0), "failover to the next address stays quick");
    two.slow();
    assertEquals(5_000, two.nextDelayMillis(0), "a full round of slow coordinators");
  }

  @Test
  void delaysAreJittered() {
    Backoff b = new Backoff(new Random(1), 2);
    long first = b.nextDelayMillis(0);
    boolean differs = false;
    for (int i = 0; i < 20 && !differs; i++) {
      differs = b.nextDelayMillis(0) != first;
    }
    assertTrue(differs, "the same delay every time");
  }

  @Test
  void needsAnAddress() {
    assertThrows(IllegalArgumentException.class, () -> new Backoff(new Random(), 0));
  }
}
