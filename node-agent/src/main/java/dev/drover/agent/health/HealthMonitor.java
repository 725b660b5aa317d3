package dev.drover.agent.health;

import dev.drover.agent.gpu.GpuBackend;
import dev.drover.agent.gpu.GpuEvent;
import dev.drover.agent.gpu.HealthReadings;
import dev.drover.protocol.agent.AgentMessage;
import dev.drover.protocol.agent.HealthStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a node's GPU health current: reads the backend every interval, reacts at once to its
 * events (XIDs, injected faults, ECC events), runs the {@link HealthTracker} and tells the listener
 * about every change the moment it happens. All evaluation runs on the monitor's one thread.
 */
public final class HealthMonitor implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HealthMonitor.class);
  private static final int RECENT_XIDS = 64;

  private final GpuBackend backend;
  private final HealthTracker tracker;
  private final Duration interval;
  private final Clock clock;
  private final Consumer<AgentMessage.Health> listener;
  private final ScheduledExecutorService exec;
  /** Whether {@link #close()} shuts {@link #exec} down (its own) or only stops this monitor's work on it (a shared lane). */
  private final boolean ownsExec;
  private final String who;
  private volatile boolean closed;
  private ScheduledFuture<?> ticks;
  private final Deque<RecordedXid> recent = new ArrayDeque<>();
  private volatile AgentMessage.Health current;
  private volatile List<RecordedXid> recentView = List.of();
  private ScheduledFuture<?> expiry;

  /**
   * @param listener told about each new health (on the monitor's thread); must not block long
   */
  public HealthMonitor(GpuBackend backend, HealthPolicy policy, Duration interval, Clock clock,
      Consumer<AgentMessage.Health> listener) {
    this(backend, policy, interval, clock, listener, null, null);
  }

  /**
   * As above, evaluating on {@code lane}, a single-threaded executor that other monitors may share
   * (agents of a fleet); {@link #close()} then stops only this monitor's work on it.
   *
   * @param lane null for a thread of the monitor's own
   * @param nodeName named in each log line when not null (agents sharing a JVM)
   */
  public HealthMonitor(GpuBackend backend, HealthPolicy policy, Duration interval, Clock clock,
      Consumer<AgentMessage.Health> listener, ScheduledExecutorService lane, String nodeName) {
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("health interval must be positive, got " + interval);
    }
    this.backend = backend;
    this.tracker = new HealthTracker(policy, backend.inventory().gpus());
    this.interval = interval;
    this.clock = clock;
    this.listener = listener;
    this.who = nodeName == null ? "" : "[" + nodeName + "] ";
    this.ownsExec = lane == null;
    this.exec = lane != null ? lane : Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "health-monitor");
      t.setDaemon(true);
      return t;
    });
  }

  /** Takes the first reading (so {@link #current()} is set when this returns), then watches. */
  public void start() {
    await(refresh());
    backend.watch(this::onEvent);
    ticks = exec.scheduleWithFixedDelay(this::evaluate, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The latest health; null only before {@link #start()}. */
  public AgentMessage.Health current() {
    return current;
  }

  /** The last XIDs seen, oldest first, whatever the verdict. */
  public List<RecordedXid> recentXids() {
    return recentView;
  }

  /**
   * Reads the backend now; completes with the health after everything submitted before (events of
   * an injection, for one) has been applied.
   */
  public CompletableFuture<AgentMessage.Health> refresh() {
    CompletableFuture<AgentMessage.Health> f = new CompletableFuture<>();
    if (closed) {
      f.completeExceptionally(new IllegalStateException("the health monitor is stopped"));
      return f;
    }
    try {
      exec.execute(() -> {
        evaluate();
        f.complete(current);
      });
    } catch (RejectedExecutionException e) {
      f.completeExceptionally(new IllegalStateException("the health monitor is stopped"));
    }
    return f;
  }

  private void onEvent(GpuEvent event) {
    if (closed) {
      return;
    }
    try {
      exec.execute(() -> handle(event));
    } catch (RejectedExecutionException e) {
      log.debug(who + "health monitor stopped; dropping {}", event);
    }
  }

  private void handle(GpuEvent event) {
    if (closed) {
      return;
    }
    Instant now = clock.instant();
    try {
      if (event instanceof GpuEvent.Xid x) {
        HealthStatus verdict = tracker.xid(x.gpu(), x.xid(), x.at());
        String description = XidCatalog.description(x.xid());
        record(new RecordedXid(x.gpu(), x.xid(), verdict, description, x.at()));
        if (verdict == HealthStatus.HEALTHY) {
          log.info(who + "XID {} on GPU {} ({}): an application error; the GPU stays healthy", x.xid(), x.gpu(), description);
        } else {
          log.warn(who + "XID {} on GPU {} ({}): GPU {}", x.xid(), x.gpu(), description == null ? "not in the catalog" : description,
              verdict.display());
        }
        publish(tracker.health(now));
      } else if (event instanceof GpuEvent.ReadingsChanged) {
        evaluate();
      } else if (event instanceof GpuEvent.Reset r) {
        tracker.reset(r.gpu());
        publish(tracker.health(now));
      } else if (event instanceof GpuEvent.WatchState w) {
        tracker.watchProblem(w.problem(), now);
        publish(tracker.health(now));
      }
    } catch (RuntimeException e) {
      log.error(who + "Handling {} failed", event, e);
    }
  }

  private void evaluate() {
    if (closed) {
      return;
    }
    Instant now = clock.instant();
    HealthReadings readings;
    try {
      readings = backend.readHealth();
    } catch (RuntimeException e) {
      // a backend must not throw; if one does, the node cannot judge its GPUs
      log.error(who + "Reading GPU health failed", e);
      readings = new HealthReadings(List.of(), List.of(new HealthReadings.NodeFault("NVML_FAILURE",
          "reading GPU health failed: " + e)));
    }
    try {
      tracker.readings(readings, now);
      publish(tracker.health(now));
    } catch (RuntimeException e) {
      log.error(who + "Evaluating GPU health failed", e);
    }
  }

  private void record(RecordedXid x) {
    recent.addLast(x);
    while (recent.size() > RECENT_XIDS) {
      recent.removeFirst();
    }
    recentView = List.copyOf(recent);
  }

  private void publish(AgentMessage.Health health) {
    if (closed) {
      return;
    }
    scheduleExpiry();
    AgentMessage.Health before = current;
    if (before != null && before.gpus().equals(health.gpus()) && before.node().equals(health.node())) {
      return;
    }
    current = health;
    if (before != null) {
      logChanges(before, health);
    }
    try {
      listener.accept(health);
    } catch (RuntimeException e) {
      log.error(who + "Health listener failed", e);
    }
  }

  private void logChanges(AgentMessage.Health before, AgentMessage.Health after) {
    for (int i = 0; i < after.gpus().size(); i++) {
      var now = after.gpus().get(i);
      var was = i < before.gpus().size() ? before.gpus().get(i) : null;
      if (was == null || was.status() != now.status()) {
        log.info(who + "GPU {} is {}{}", now.index(), now.status().display(),
            now.conditions().isEmpty() ? "" : ": " + now.conditions().get(0).reason());
      }
    }
    if (!before.node().equals(after.node())) {
      log.info(who + "Node conditions: {}", after.node().isEmpty() ? "none" : after.node());
    }
  }

  /** Evaluates again when the next condition clears on its own, not a tick later. */
  private void scheduleExpiry() {
    if (expiry != null) {
      expiry.cancel(false);
      expiry = null;
    }
    tracker.nextExpiry().ifPresent(at -> {
      long delay = Math.max(0, Duration.between(clock.instant(), at).toMillis()) + 1;
      if (delay < interval.toMillis()) {
        expiry = exec.schedule(() -> publish(tracker.health(clock.instant())), delay, TimeUnit.MILLISECONDS);
      }
    });
  }

  private static <T> T await(CompletableFuture<T> f) {
    try {
      return f.get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading GPU health", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("reading GPU health failed: " + e, e);
    }
  }

  @Override
  public void close() {
    closed = true;
    if (ownsExec) {
      exec.shutdownNow();
      return;
    }
    // a shared lane goes on for the other monitors: only this one's ticks stop (and its expiry, on the lane)
    if (ticks != null) {
      ticks.cancel(false);
    }
    try {
      exec.execute(() -> {
        if (expiry != null) {
          expiry.cancel(false);
        }
      });
    } catch (RejectedExecutionException e) {
      // the lane is stopped already
    }
  }
}
