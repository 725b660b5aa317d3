package dev.drover.agent.link;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Repeated link failures: news at once, a repeat at most once per interval with the count in between (fake clock). */
class FailureReportsTest {
  private long now = 1_000;
  private final FailureReports reports = new FailureReports(Duration.ofMinutes(1), () -> now);

  private void advance(long seconds) {
    now += TimeUnit.SECONDS.toNanos(seconds);
  }

  @Test
  void aNewFailureAtOnceTheSameOnceAMinuteWithTheCountOfRepeats() {
    assertEquals(0, reports.due("untrusted"));
    for (int i = 0; i < 11; i++) {
      advance(5);
      assertEquals(-1, reports.due("untrusted"), "repeat " + i + " within the minute");
    }
    assertEquals(0, reports.due("name mismatch"), "another failure is news");
    advance(5);
    assertEquals(11, reports.due("untrusted"), "a minute after the report: again, with the 11 repeats in between");
    advance(59);
    assertEquals(-1, reports.due("untrusted"));
    advance(1);
    assertEquals(1, reports.due("untrusted"));
  }

  @Test
  void aSuccessMakesTheNextFailureNewsAgain() {
    assertEquals(0, reports.due("untrusted"));
    advance(1);
    reports.clear();
    assertEquals(0, reports.due("untrusted"));
  }
}
