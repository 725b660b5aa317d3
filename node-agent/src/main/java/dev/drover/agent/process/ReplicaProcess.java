package dev.drover.agent.process;

import dev.drover.agent.logs.ReplicaLog;
import dev.drover.protocol.agent.ReplicaAssignment;
import dev.drover.protocol.agent.Termination;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running replica: its process tree, the pump copying its output to the log, its runtime limit
 * and its stop. {@link #exit()} completes only when no process of the tree is left and the output
 * is drained, so a GPU counts as released only when nothing can still use it.
 */
public final class ReplicaProcess {
  private static final Logger log = LoggerFactory.getLogger(ReplicaProcess.class);
  private static final long POLL_MILLIS = 50;
  /** How long leftovers of a replica whose main process ended get after SIGTERM. */
  private static final long LEFTOVER_GRACE_MILLIS = 2_000;

  private final ReplicaAssignment assignment;
  private final Process process;
  private final ReplicaLog replicaLog;
  private final ScheduledExecutorService timers;
  private final long pid;
  private final long startTicks;
  private final Instant startedAt;
  private final Thread pump;
  private final CompletableFuture<ReplicaExit> exit = new CompletableFuture<>();
  private Termination stopReason;
  private String stopMessage;
  private boolean killScheduled;

  private ReplicaProcess(ReplicaAssignment a, Process process, ReplicaLog replicaLog, ScheduledExecutorService timers) {
    this.assignment = a;
    this.process = process;
    this.replicaLog = replicaLog;
    this.timers = timers;
    this.pid = process.pid();
    this.startTicks = ProcessTable.stat(pid).map(ProcessTable.ProcStat::startTicks).orElse(-1L);
    this.startedAt = Instant.now();
    this.pump = new Thread(this::pumpOutput, "output-" + a.allocationId());
    this.pump.setDaemon(true);
  }

  static ReplicaProcess started(ReplicaAssignment a, Process process, ReplicaLog replicaLog, ScheduledExecutorService timers) {
    ReplicaProcess rp = new ReplicaProcess(a, process, replicaLog, timers);
    rp.pump.start();
    if (a.maxRuntimeMillis() > 0) {
      timers.schedule(
          () -> rp.stop(Termination.MAX_RUNTIME_EXCEEDED, "ran past its maximum runtime of " + a.maxRuntimeMillis() + " ms"),
          a.maxRuntimeMillis(), TimeUnit.MILLISECONDS);
    }
    process.onExit().thenRunAsync(rp::onLeaderExit, timers);
    return rp;
  }

  public long pid() {
    return pid;
  }

  /** Start time of the process in clock ticks since boot, to recognize it after an agent restart. */
  public long startTicks() {
    return startTicks;
  }

  public Instant startedAt() {
    return startedAt;
  }

  public ReplicaAssignment assignment() {
    return assignment;
  }

  public ReplicaLog log() {
    return replicaLog;
  }

  /** Completes once the whole process tree is gone and the output is on disk. */
  public CompletableFuture<ReplicaExit> exit() {
    return exit;
  }

  /**
   * The job's stop signal (SIGTERM unless it asked for e.g. SIGUSR1 to checkpoint) to the whole tree,
   * then SIGKILL after the assignment's grace period. The first reason wins: a replica stopped for
   * its runtime limit stays MAX_RUNTIME_EXCEEDED.
   */
  public synchronized void stop(Termination reason, String message) {
    if (exit.isDone() || stopReason != null) {
      return;
    }
    stopReason = reason;
    stopMessage = message;
    log.info("Stopping replica {} (pid {}) with signal {}: {}", assignment.allocationId(), pid, assignment.stopSignalNumber(), message);
    // Stopped right after its start, the replica may not lead its own session yet (setsid has not run),
    // so the group signal finds nobody: the process itself, still our unreaped child, is signalled too.
    if (process.isAlive()) ProcessTable.signal(pid, assignment.stopSignalNumber());
    ProcessTable.signalTree(pid, assignment.stopSignalNumber());
    scheduleKill(Math.max(0, assignment.gracePeriodMillis()));
  }

  private void scheduleKill(long afterMillis) {
    if (killScheduled) {
      return;
    }
    killScheduled = true;
    timers.schedule(() -> ProcessTable.signalTree(pid, ProcessTable.SIGKILL), afterMillis, TimeUnit.MILLISECONDS);
  }

  private void onLeaderExit() {
    boolean leftovers;
    synchronized (this) {
      // Children the main process left behind would keep GPUs busy: they go too.
      leftovers = !ProcessTable.members(pid).isEmpty();
      if (leftovers) {
        if (stopReason == null) {
          ProcessTable.signalTree(pid, ProcessTable.SIGTERM);
        }
        scheduleKill(stopReason == null ? LEFTOVER_GRACE_MILLIS : Math.max(0, assignment.gracePeriodMillis()));
      }
    }
    // The usual replica leaves nothing behind: the scan just made is the last one.
    if (leftovers) timers.schedule(this::awaitTreeGone, POLL_MILLIS, TimeUnit.MILLISECONDS);
    else finish();
  }

  private void awaitTreeGone() {
    if (!ProcessTable.members(pid).isEmpty()) {
      timers.schedule(this::awaitTreeGone, POLL_MILLIS, TimeUnit.MILLISECONDS);
      return;
    }
    timers.execute(this::finish);
  }

  private void finish() {
    try {
      // Everything that could write is dead, so the pipe is at EOF; a process that escaped the
      // session could still hold it open, so do not wait forever.
      pump.join(2_000);
      if (pump.isAlive()) {
        process.getInputStream().close();
        pump.join(1_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      log.debug("closing output pipe of {}", assignment.allocationId(), e);
    }
    replicaLog.close();
    int code = process.exitValue();
    Termination termination;
    String message;
    synchronized (this) {
      termination = stopReason == null ? Termination.COMPLETED : stopReason;
      message = stopReason == null ? describe(code) : stopMessage + "; " + describe(code);
    }
    exit.complete(new ReplicaExit(code, termination, message, Instant.now()));
  }

  static String describe(int code) {
    if (code > 128 && code < 128 + 65) {
      int sig = code - 128;
      String name = switch (sig) {
        case 9 -> "SIGKILL";
        case 15 -> "SIGTERM";
        case 2 -> "SIGINT";
        case 6 -> "SIGABRT";
        case 11 -> "SIGSEGV";
        default -> "signal " + sig;
      };
      return "exit code " + code + " (" + name + ")";
    }
    return "exit code " + code;
  }

  private void pumpOutput() {
    byte[] buf = new byte[64 * 1024];
    try (InputStream in = process.getInputStream()) {
      int n;
      while ((n = in.read(buf)) >= 0) {
        if (n > 0) {
          replicaLog.append(buf, 0, n);
        }
      }
    } catch (IOException e) {
      // closed by finish() after a stuck pipe, or a disk error: the process itself is unaffected
      log.debug("output pump of {} ended: {}", assignment.allocationId(), e.getMessage());
    }
  }
}
