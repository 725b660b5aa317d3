package dev.drover.coordinator;

import java.time.Duration;
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
 * caller that asks before the thread itself has thawed sees a stale tick and is also unsettled, so
 * no decision can slip in between the thaw and the detection.
 */
public final class PauseGuard {
  private static final long TICK_NANOS = Duration.ofMillis(100).toNanos();
  private static final long FREEZE_NANOS = Duration.ofSeconds(1).toNanos();
  private static final long STALE_NANOS = Duration.ofMillis(500).toNanos();
  private static final Map<ActorSystem<?>, PauseGuard> GUARDS = new ConcurrentHashMap<>();

  private final long settleNanos;
  private volatile long lastTick = System.nanoTime();
  private volatile long unsettledUntil = lastTick;
  private volatile long freezes;

  PauseGuard(Duration settle) {
    this.settleNanos = settle.toNanos();
  }

  /** The guard of this actor system; started on first use, stopped with the system. */
  public static PauseGuard get(ActorSystem<?> system) {
    return GUARDS.computeIfAbsent(system, s -> {
      PauseGuard g = new PauseGuard(settleTime(s));
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
    var c = system.settings().config();
    Duration pause = c.getDuration("pekko.cluster.failure-detector.acceptable-heartbeat-pause");
    Duration stable = c.getDuration("pekko.cluster.split-brain-resolver.stable-after");
    return pause.plus(stable).plusSeconds(2);
  }

  /** True when no freeze happened recently: decisions based on what we saw are safe to make. */
  public boolean settled() {
    long now = System.nanoTime();
    return now - lastTick < STALE_NANOS && now - unsettledUntil >= 0;
  }

  public long freezes() {
    return freezes;
  }

  void tick(long now) {
    if (now - lastTick > FREEZE_NANOS) {
      freezes++;
      unsettledUntil = now + settleNanos;
    }
    lastTick = now;
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
}
