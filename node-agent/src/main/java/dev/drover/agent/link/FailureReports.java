package dev.drover.agent.link;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Which repeated connection failures the link logs: a failure not seen before at once, the same
 * failure again at most once per interval while it lasts, with the count of attempts in between.
 * An agent retrying a coordinator with a bad certificate every few seconds for a day thus leaves a
 * line a minute, not twenty thousand. Not thread-safe: used on the link's own executor.
 */
final class FailureReports {
  /** Distinct failures remembered; more (a misconfiguration that changes all the time) start over. */
  private static final int MAX_REMEMBERED = 64;

  private final long intervalNanos;
  private final LongSupplier nanoTime;
  private final Map<String, Seen> seen = new HashMap<>();

  private static final class Seen {
    long reportedAt;
    long unreported;
  }

  FailureReports(Duration interval, LongSupplier nanoTime) {
    this.intervalNanos = interval.toNanos();
    this.nanoTime = nanoTime;
  }

  /**
   * Records one occurrence.
   *
   * @return -1 to stay quiet; otherwise log it now, and this many occurrences since the last report went unlogged
   */
  long due(String failure) {
    long now = nanoTime.getAsLong();
    Seen s = seen.get(failure);
    if (s == null) {
      if (seen.size() >= MAX_REMEMBERED) {
        seen.clear();
      }
      s = new Seen();
      s.reportedAt = now;
      seen.put(failure, s);
      return 0;
    }
    if (now - s.reportedAt < intervalNanos) {
      s.unreported++;
      return -1;
    }
    long skipped = s.unreported;
    s.reportedAt = now;
    s.unreported = 0;
    return skipped;
  }

  /** A connection succeeded: the next failure is news again. */
  void clear() {
    seen.clear();
  }
}
