package dev.drover.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Freeze or starvation: what a gap between the watchdog's ticks is taken for. */
class PauseGuardTest {
  private static final long MS = 1_000_000;

  /** A process whose CPU and GC times the test sets. */
  private static final class FakeProcess implements PauseGuard.Process {
    long cpu;
    long gc;

    @Override
    public long cpuNanos() {
      return cpu;
    }

    @Override
    public long gcMillis() {
      return gc;
    }
  }

  private final FakeProcess process = new FakeProcess();
  private final PauseGuard guard = new PauseGuard(Duration.ofSeconds(5), Duration.ofMillis(2500), process);

  /** Two ticks gapMs apart, the process having used cpuMs of CPU and gcMs of GC between them. */
  private void gap(long gapMs, long cpuMs, long gcMs) {
    long t = System.nanoTime();
    guard.tick(t, 0, 0);
    guard.tick(t + gapMs * MS, cpuMs * MS, gcMs);
  }

  @Test
  void aGapDuringWhichTheProcessKeptRunningIsALagNotAFreeze() {
    // 1.5 s late, but the process used 0.6 s of CPU meanwhile: starved (busy machine), not stopped
    gap(1_500, 600, 0);
    assertEquals(0, guard.freezes());
    assertEquals(1, guard.lags());
  }

  @Test
  void aGapWithoutCpuIsAFreeze() {
    // 1.5 s without running (SIGSTOP, a paused VM): 10 ms of CPU at the edges
    gap(1_500, 10, 0);
    assertEquals(1, guard.freezes());
    assertEquals(0, guard.lags());
  }

  @Test
  void aGapSpentInGarbageCollectionIsAFreeze() {
    gap(1_500, 1_400, 900);
    assertEquals(1, guard.freezes());
  }

  @Test
  void aGapAsLongAsTheAcceptableHeartbeatPauseIsAFreezeWhateverItsCause() {
    gap(2_600, 2_000, 0);
    assertEquals(1, guard.freezes());
  }

  @Test
  void aStaleTickOfAStarvedWatchdogDoesNotUnsettleACallerThatKeptRunning() {
    // the watchdog last ran 800 ms ago; the process used 300 ms of CPU since
    guard.tick(System.nanoTime() - 800 * MS, 0, 0);
    process.cpu = 300 * MS;
    assertTrue(guard.settled(), "starved, not frozen");
    // the same gap with no CPU used: the caller may have thawed before the watchdog
    guard.tick(System.nanoTime() - 1_500 * MS, process.cpu, 0);
    assertFalse(guard.settled(), "frozen");
  }

  @Test
  void normalTicksAreNeitherFreezesNorLags() {
    long t = System.nanoTime();
    guard.tick(t, 0, 0);
    for (int i = 1; i <= 20; i++) guard.tick(t + i * 100 * MS, 0, 0);
    assertEquals(0, guard.freezes());
    assertEquals(0, guard.lags());
    assertTrue(guard.settled());
  }
}
