package dev.drover.coordinator;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Notices that this coordinator was frozen (SIGSTOP, a VM or container paused, a very long GC
 * pause) and keeps it from acting on the world it saw before the freeze.
 *
 * <p>While a coordinator is frozen the others find it unreachable, down it and take over its
 * scheduler and entities. When it thaws it still believes it runs them until gossip tells it
 * otherwise (seconds later). In that window its scheduler must not place a job and its nodes must
 * not declare their agents silent. A daemon thread ticks every 100 ms; a gap of more than a second
 * between ticks is a freeze, and for {@code settle} afterwards the coordinator is "unsettled". A
 * caller that asks before the thread itself has thawed sees a stale tick and is judged the same way,
 * so no decision can slip in between the thaw and the detection.
 *
 * <p>A gap is also what a coordinator starved of CPU sees (its own load, or a busy machine), and
 * treating that as a freeze stalls scheduling exactly when the coordinator is busiest. So a gap is a
 * freeze only when the process hardly ran during it (less than a tenth of the gap in CPU time:
 * stopped, or its VM or container paused), when garbage collection took half of it or more, or when
 * it lasted as long as the failure detector's acceptable heartbeat pause (whatever the cause, the
 * other coordinators may have downed this one). A shorter gap during which the process kept running
 * is a lag: counted, not acted on.
 */
public final class PauseGuard {
  private static final long TICK_NANOS = Duration.ofMillis(100).toNanos();
  private static final long FREEZE_NANOS = Duration.ofSeconds(1).toNanos();
  private static final long STALE_NANOS = Duration.ofMillis(500).toNanos();
  private static final Map<ActorSystem<?>, PauseGuard> GUARDS = new ConcurrentHashMap<>();

  /** What the guard reads of its own process at each tick. */
  interface Process {
    /** CPU time used by all of this process's threads, in nanoseconds. */
    long cpuNanos();

    /** Time spent in garbage collection since the start, in milliseconds. */
    long gcMillis();
  }

  private final long settleNanos;
  private final long downableNanos;
  private final Process process;
  private volatile long lastTick = System.nanoTime();
  private volatile long lastCpu;
  private volatile long lastGc;
  private volatile long unsettledUntil = lastTick;
  private volatile long freezes;
  private volatile long lags;

  PauseGuard(Duration settle) {
    this(settle, Duration.ofMillis(2500), JVM);
  }

  /**
   * @param downable a gap this long is a freeze whatever its cause: the failure detector's
   *     acceptable heartbeat pause, after which other coordinators may act on this one
   */
  PauseGuard(Duration settle, Duration downable, Process process) {
    this.settleNanos = settle.toNanos();
    this.downableNanos = downable.toNanos();
    this.process = process;
    this.lastCpu = process.cpuNanos();
    this.lastGc = process.gcMillis();
  }

  /** The guard of this actor system; started on first use, stopped with the system. */
  public static PauseGuard get(ActorSystem<?> system) {
    return GUARDS.computeIfAbsent(system, s -> {
      PauseGuard g = new PauseGuard(settleTime(s), downable(s), JVM);
      Thread t = new Thread(g::run, "drover-pause-guard");
      t.setDaemon(true);
      t.start();
      s.getWhenTerminated().thenRun(() -> {
        GUARDS.remove(s);
        t.interrupt();
      });
      return g;
    });
  }

  /** Long enough for the rest of the cluster to have downed us and for us to hear about it. */
  static Duration settleTime(ActorSystem<?> system) {
    Duration stable = system.settings().config().getDuration("pekko.cluster.split-brain-resolver.stable-after");
    return downable(system).plus(stable).plusSeconds(2);
  }

  static Duration downable(ActorSystem<?> system) {
    return system.settings().config().getDuration("pekko.cluster.failure-detector.acceptable-heartbeat-pause");
  }

  /** True when no freeze happened recently: decisions based on what we saw are safe to make. */
  public boolean settled() {
    long now = System.nanoTime();
    if (now - unsettledUntil < 0) return false;
    long since = now - lastTick;
    if (since < STALE_NANOS) return true;
    // The watchdog has not ticked for a while: this process was frozen and the caller thawed
    // first, or the watchdog is as starved of CPU as the caller. Judge the gap so far.
    return !isFreeze(since, process.cpuNanos() - lastCpu, process.gcMillis() - lastGc);
  }

  public long freezes() {
    return freezes;
  }

  /** Gaps between ticks that were CPU starvation rather than a freeze. */
  public long lags() {
    return lags;
  }

  void tick(long now) {
    tick(now, process.cpuNanos(), process.gcMillis());
  }

  void tick(long now, long cpuNanos, long gcMillis) {
    long gap = now - lastTick;
    if (gap > FREEZE_NANOS) {
      if (isFreeze(gap, cpuNanos - lastCpu, gcMillis - lastGc)) {
        freezes++;
        unsettledUntil = now + settleNanos;
      } else {
        lags++;
      }
    }
    lastCpu = cpuNanos;
    lastGc = gcMillis;
    lastTick = now;
  }

  private boolean isFreeze(long gapNanos, long cpuNanos, long gcMillis) {
    if (gapNanos < FREEZE_NANOS) return false;
    return gapNanos >= downableNanos
        || cpuNanos < gapNanos / 10
        || gcMillis * 1_000_000 >= gapNanos / 2;
  }

  private void run() {
    while (!Thread.currentThread().isInterrupted()) {
      try {
        Thread.sleep(TICK_NANOS / 1_000_000);
      } catch (InterruptedException e) {
        return;
      }
      tick(System.nanoTime());
    }
  }

  /** This JVM's CPU time (all threads) and GC time, from its management beans. */
  private static final Process JVM = new Process() {
    private final java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    private final List<GarbageCollectorMXBean> gcs = ManagementFactory.getGarbageCollectorMXBeans();

    @Override
    public long cpuNanos() {
      return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
    }

    @Override
    public long gcMillis() {
      long total = 0;
      for (GarbageCollectorMXBean gc : gcs) total += Math.max(0, gc.getCollectionTime());
      return total;
    }
  };
}
