package dev.drover.agent.link;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private static void assertBetween(long low, long high, long actual, String what) {
    assertTrue(actual >= low && actual <= high, what + ": " + actual + " not in [" + low + ", " + high + "]");
  }

  @Test
  void theNextAddressIsTriedQuicklyAndThePauseGrowsOnlyAfterAFullRound() {
    Backoff b = new Backoff(new Random(7), 3);
    for (int round = 1; round <= 6; round++) {
      assertBetween(125, 250, b.nextDelayMillis(), "round " + round + ", second address");
      assertBetween(125, 250, b.nextDelayMillis(), "round " + round + ", third address");
      long ceiling = Math.min(5_000, 500L << (round - 1));
      assertBetween(ceiling / 2, ceiling, b.nextDelayMillis(), "after round " + round);
    }
    b.reset();
    assertBetween(125, 250, b.nextDelayMillis(), "after a Welcome");
  }

  @Test
  void aSingleAddressBacksOffFromHalfASecondToTheCap() {
    Backoff b = new Backoff(new Random(42), 1);
    assertBetween(250, 500, b.nextDelayMillis(), "first");
    long last = 0;
    for (int i = 0; i < 20; i++) {
      last = b.nextDelayMillis();
      assertTrue(last <= 5_000, "capped: " + last);
    }
    assertBetween(2_500, 5_000, last, "reaches the cap range");
    b.reset();
    assertBetween(250, 500, b.nextDelayMillis(), "after a Welcome");
  }

  @Test
  void delaysAreJittered() {
    Backoff b = new Backoff(new Random(1), 2);
    long first = b.nextDelayMillis();
    boolean differs = false;
    for (int i = 0; i < 20 && !differs; i++) {
      b.reset();
      differs = b.nextDelayMillis() != first;
    }
    assertTrue(differs, "the same delay every time");
  }

  @Test
  void needsAnAddress() {
    assertThrows(IllegalArgumentException.class, () -> new Backoff(new Random(), 0));
  }
}
