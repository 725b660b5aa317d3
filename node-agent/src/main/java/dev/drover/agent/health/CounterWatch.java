package dev.drover.agent.health;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Watches a cumulative error counter (PCIe replays, NVLink errors) for bursts: the rise within the
 * last minute against a limit. The first reading is the baseline, so counts from before the agent
 * started do not count; a counter that goes down was reset (driver reload, GPU reset) and starts a
 * new baseline. Once over the limit, the condition holds until the rise has stayed within the
 * limit for the clear-after period, which damps flapping.
 */
final class CounterWatch {
  static final Duration WINDOW = Duration.ofMinutes(1);

  private record Point(Instant at, long value) {}

  private final Deque<Point> history = new ArrayDeque<>();
  private Instant lastExcess;
  private long lastRise;

  /** The rise that last went over the limit (for the condition's reason). */
  long lastRise() {
    return lastRise;
  }

  /**
   * Takes a reading.
   *
   * @return whether the condition holds, or null when the reading is missing (keep what was)
   */
  Boolean update(Long value, Instant now, long limitPerMinute, Duration clearAfter) {
    if (value == null) {
      return null;
    }
    if (!history.isEmpty() && value < history.peekLast().value()) {
      history.clear();
      lastExcess = null;
    }
    history.addLast(new Point(now, value));
    // keep one point at or before the window's start as the base of the rise
    Instant windowStart = now.minus(WINDOW);
    while (history.size() > 1) {
      Point first = history.pollFirst();
      if (!history.peekFirst().at().isAfter(windowStart)) {
        continue;
      }
      history.addFirst(first);
      break;
    }
    long rise = value - history.peekFirst().value();
    if (rise > limitPerMinute) {
      lastExcess = now;
      lastRise = rise;
      return true;
    }
    return lastExcess != null && now.isBefore(lastExcess.plus(clearAfter));
  }

  /** When a held condition clears if nothing else happens, or null. */
  Instant clearsAt(Duration clearAfter) {
    return lastExcess == null ? null : lastExcess.plus(clearAfter);
  }
}
