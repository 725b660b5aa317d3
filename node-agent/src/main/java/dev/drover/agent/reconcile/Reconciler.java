package dev.drover.agent.reconcile;

import dev.drover.agent.logs.LogSlice;
import dev.drover.agent.logs.ReplicaLog;
import dev.drover.agent.process.ProcessRunner;
import dev.drover.agent.process.ProcessTable;
import dev.drover.agent.process.ReplicaExit;
import dev.drover.agent.process.ReplicaProcess;
import dev.drover.agent.process.StartFailedException;
import dev.drover.protocol.agent.AgentMessage;
import dev.drover.protocol.agent.CoordinatorMessage;
import dev.drover.protocol.agent.DesiredPhase;
import dev.drover.protocol.agent.ReplicaAssignment;
import dev.drover.protocol.agent.ReplicaPhase;
import dev.drover.protocol.agent.ReplicaStatus;
import dev.drover.protocol.agent.Termination;
import java.io.IOException;
import java.nio.charset.CodingErrorAction;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes the gap between the replicas the coordinator wants (desired) and the processes this node
 * runs (actual), keyed by allocation id. Every phase change is reported through the update
 * listener and saved to state.json before the next change.
 *
 * <p>Rules: an allocation is started at most once in this work dir's life; a replica never starts
 * on a GPU still held by a live process of another allocation (it waits in STARTING); replicas
 * absent from desired or marked STOP are stopped; exited replicas absent from desired are
 * forgotten (their logs stay on disk).
 */
public final class Reconciler {
  /** Largest log read a single request may ask for. */
  public static final int MAX_LOG_READ = 1024 * 1024;
  private static final int FORGOTTEN_KEPT = 10_000;
  private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

  private final ProcessRunner runner;
  private final StateStore store;
  private final Clock clock;
  private final Map<String, LocalReplica> replicas = new LinkedHashMap<>();
  private final LinkedHashSet<String> forgotten = new LinkedHashSet<>();
  private volatile Consumer<ReplicaStatus> updates = s -> {};
  private long lastGeneration = Long.MIN_VALUE;

  /** A replica this agent knows of. Mutated only under the reconciler's lock. */
  private static final class LocalReplica {
    final ReplicaAssignment assignment;
    ReplicaStatus status;
    ReplicaProcess process;
    /** Completes once the exit of the process is recorded (status changed and saved). */
    CompletableFuture<Void> exitRecorded;
    Long startTicks;

    LocalReplica(ReplicaAssignment assignment, ReplicaStatus status) {
      this.assignment = assignment;
      this.status = status;
    }

    boolean holdsGpus() {
      return process != null && status.phase() != ReplicaPhase.EXITED;
    }
  }

  public Reconciler(ProcessRunner runner, StateStore store, Clock clock) {
    this.runner = runner;
    this.store = store;
    this.clock = clock;
  }

  /** Where phase changes go (the coordinator link). Called under the reconciler's lock: do not block. */
  public void onUpdate(Consumer<ReplicaStatus> listener) {
    this.updates = listener;
  }

  /**
   * Loads state.json from a previous agent instance. Processes it left running are stopped (this
   * agent cannot re-attach to their output pipes) and reported EXITED with termination LOST; so
   * are replicas that had not started. Replicas that had exited keep their status.
   */
  public synchronized void recover() {
    PersistedState state = store.load();
    forgotten.addAll(state.forgotten());
    for (PersistedReplica p : state.replicas()) {
      ReplicaStatus s = p.status();
      LocalReplica r = new LocalReplica(p.assignment(), s);
      r.startTicks = p.startTicks();
      if (!s.terminal()) {
        String message;
        Integer exitCode = null;
        if (s.pid() != null && p.startTicks() != null && ProcessTable.alive(s.pid(), p.startTicks())) {
          stopLeftover(s.pid(), p.assignment().gracePeriodMillis());
          message = "the agent restarted while the replica ran; its processes were stopped because the agent cannot re-attach to their output";
        } else if (s.pid() != null) {
          message = "the replica's process ended while the agent was down; its exit code is unknown";
        } else {
          message = "the agent restarted before the replica was started";
        }
        r.status = status(p.assignment(), ReplicaPhase.EXITED, s.pid(), exitCode, Termination.LOST, message, s.startedAt(), clock.instant());
        log.warn("Replica {} from the previous agent instance: {}", s.allocationId(), message);
      }
      replicas.put(s.allocationId(), r);
    }
    persist();
  }

  private static void stopLeftover(long pid, long graceMillis) {
    ProcessTable.signalTree(pid, ProcessTable.SIGTERM);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.min(Math.max(graceMillis, 0), 30_000));
    while (!ProcessTable.members(pid).isEmpty() && System.nanoTime() < deadline) {
      sleepBriefly();
    }
    long killDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!ProcessTable.members(pid).isEmpty() && System.nanoTime() < killDeadline) {
      ProcessTable.signalTree(pid, ProcessTable.SIGKILL);
      sleepBriefly();
    }
  }

  private static void sleepBriefly() {
    try {
      Thread.sleep(20);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A new coordinator connection: generations start over, since another coordinator may count differently. */
  public synchronized void newConnection() {
    lastGeneration = Long.MIN_VALUE;
  }

  /**
   * Applies a desired state.
   *
   * @return false when it was ignored as older than the last one applied on this connection
   */
  public synchronized boolean apply(CoordinatorMessage.DesiredState desired) {
    if (desired.generation() < lastGeneration) {
      log.info("Ignoring desired state generation {}: generation {} was already applied", desired.generation(), lastGeneration);
      return false;
    }
    lastGeneration = desired.generation();
    Map<String, ReplicaAssignment> wanted = new LinkedHashMap<>();
    for (ReplicaAssignment a : desired.replicas() == null ? List.<ReplicaAssignment>of() : desired.replicas()) {
      if (a == null || a.allocationId() == null) {
        log.warn("Ignoring a desired replica without allocation id");
        continue;
      }
      wanted.put(a.allocationId(), a);
    }
    for (LocalReplica r : new ArrayList<>(replicas.values())) {
      String id = r.assignment.allocationId();
      ReplicaAssignment a = wanted.get(id);
      boolean stopWanted = a == null || a.desired() != DesiredPhase.RUN;
      if (!stopWanted) {
        continue;
      }
      String why = a == null ? "no longer desired by the coordinator" : "stopped by the coordinator";
      switch (r.status.phase()) {
        case RUNNING -> r.process.stop(Termination.STOPPED, why);
        case STARTING -> change(r, status(r.assignment, ReplicaPhase.EXITED, null, null, Termination.STOPPED, why + " before it started", null, clock.instant()));
        default -> {
          if (a == null) {
            replicas.remove(id);
            remember(id);
            log.info("Forgot exited replica {} (its log stays in {})", id, runner.replicaDir(id));
          }
        }
      }
    }
    for (ReplicaAssignment a : wanted.values()) {
      if (a.desired() != DesiredPhase.RUN || replicas.containsKey(a.allocationId())) {
        continue;
      }
      if (forgotten.contains(a.allocationId())) {
        LocalReplica r = new LocalReplica(a, status(a, ReplicaPhase.EXITED, null, null, Termination.LOST,
            "allocation already ran on this node and was forgotten; an allocation is never started twice", null, clock.instant()));
        replicas.put(a.allocationId(), r);
        publish(r.status);
        continue;
      }
      LocalReplica r = new LocalReplica(a, status(a, ReplicaPhase.STARTING, null, null, null, "accepted", null, null));
      replicas.put(a.allocationId(), r);
      publish(r.status);
    }
    startWaiting();
    persist();
    return true;
  }

  /** Replicas in STARTING whose GPUs are free now are started, in the order they arrived. */
  private void startWaiting() {
    for (LocalReplica r : new ArrayList<>(replicas.values())) {
      if (r.status.phase() != ReplicaPhase.STARTING) {
        continue;
      }
      Set<Integer> held = new TreeSet<>();
      for (LocalReplica other : replicas.values()) {
        if (other != r && other.holdsGpus() && other.assignment.gpuIndices() != null) {
          held.addAll(other.assignment.gpuIndices());
        }
      }
      Integer blocking = null;
      for (Integer g : r.assignment.gpuIndices() == null ? List.<Integer>of() : r.assignment.gpuIndices()) {
        if (held.contains(g)) {
          blocking = g;
          break;
        }
      }
      if (blocking != null) {
        String msg = "waiting for GPU " + blocking + " to be released";
        if (!msg.equals(r.status.message())) {
          change(r, status(r.assignment, ReplicaPhase.STARTING, null, null, null, msg, null, null));
        }
        continue;
      }
      start(r);
    }
  }

  private void start(LocalReplica r) {
    ReplicaAssignment a = r.assignment;
    try {
      ReplicaProcess p = runner.start(a);
      r.process = p;
      r.startTicks = p.startTicks();
      change(r, status(a, ReplicaPhase.RUNNING, p.pid(), null, null, "running", p.startedAt(), null));
      log.info("Started replica {} of job {} (rank {}) as pid {} on GPUs {}", a.allocationId(), a.jobId(), a.rank(), p.pid(), a.gpuIndices());
      r.exitRecorded = p.exit().thenAccept(e -> onExit(a.allocationId(), p, e));
    } catch (StartFailedException e) {
      log.warn("Replica {} failed to start: {}", a.allocationId(), e.getMessage());
      change(r, status(a, ReplicaPhase.EXITED, null, null, Termination.START_FAILED, e.getMessage(), null, clock.instant()));
    } catch (RuntimeException e) {
      log.error("Replica {} failed to start", a.allocationId(), e);
      change(r, status(a, ReplicaPhase.EXITED, null, null, Termination.START_FAILED, "agent error: " + e, null, clock.instant()));
    }
  }

  private synchronized void onExit(String id, ReplicaProcess p, ReplicaExit e) {
    LocalReplica r = replicas.get(id);
    if (r == null || r.process != p) {
      return;
    }
    log.info("Replica {} exited: {} ({})", id, e.termination(), e.message());
    change(r, status(r.assignment, ReplicaPhase.EXITED, p.pid(), e.exitCode(), e.termination(), e.message(), p.startedAt(), e.finishedAt()));
    startWaiting();
    persist();
  }

  private void change(LocalReplica r, ReplicaStatus s) {
    r.status = s;
    persist();
    publish(s);
  }

  /** A listener failure must not stop reconciling: the status is saved and goes out in the next Hello. */
  private void publish(ReplicaStatus s) {
    try {
      updates.accept(s);
    } catch (RuntimeException e) {
      log.warn("Reporting {} {} failed: {}", s.allocationId(), s.phase(), e.toString());
    }
  }

  private void remember(String id) {
    forgotten.add(id);
    while (forgotten.size() > FORGOTTEN_KEPT) {
      forgotten.remove(forgotten.iterator().next());
    }
  }

  private void persist() {
    List<PersistedReplica> out = new ArrayList<>();
    for (LocalReplica r : replicas.values()) {
      out.add(new PersistedReplica(r.assignment, r.status, r.startTicks));
    }
    store.save(new PersistedState(PersistedState.CURRENT_VERSION, out, List.copyOf(forgotten)));
  }

  private static ReplicaStatus status(ReplicaAssignment a, ReplicaPhase phase, Long pid, Integer exitCode, Termination t,
      String message, Instant startedAt, Instant finishedAt) {
    return new ReplicaStatus(a.allocationId(), a.jobId(), a.attempt(), a.rank(), phase, pid, exitCode, t, message, startedAt, finishedAt);
  }

  /** Every replica this agent knows of, for Hello. */
  public synchronized List<ReplicaStatus> statuses() {
    List<ReplicaStatus> out = new ArrayList<>();
    replicas.values().forEach(r -> out.add(r.status));
    return out;
  }

  /** The current status of one replica, or null when it is not known. */
  public synchronized ReplicaStatus status(String allocationId) {
    LocalReplica r = replicas.get(allocationId);
    return r == null ? null : r.status;
  }

  /** GPU indices held by live replica processes. */
  public synchronized Set<Integer> busyGpus() {
    Set<Integer> out = new TreeSet<>();
    for (LocalReplica r : replicas.values()) {
      if (r.holdsGpus() && r.assignment.gpuIndices() != null) {
        out.addAll(r.assignment.gpuIndices());
      }
    }
    return out;
  }

  /** Answers a log request from the live log of a running replica or the files a finished one left. */
  public AgentMessage.LogChunk readLog(CoordinatorMessage.LogRequest req) {
    String id = req.allocationId();
    ReplicaLog live;
    boolean running;
    synchronized (this) {
      LocalReplica r = id == null ? null : replicas.get(id);
      live = r != null && r.process != null && r.status.phase() != ReplicaPhase.EXITED ? r.process.log() : null;
      running = r != null && r.status.phase() != ReplicaPhase.EXITED;
      if (r == null && (id == null || !id.matches("[A-Za-z0-9][A-Za-z0-9._-]*") || !ReplicaLog.exists(runner.replicaDir(id)))) {
        return new AgentMessage.LogChunk(req.requestId(), id, req.offset(), req.offset(), "", false, "unknown allocation " + id);
      }
      if (r != null && live == null && !ReplicaLog.exists(runner.replicaDir(id))) {
        // accepted but not started yet, or failed to start: an empty log so far
        return new AgentMessage.LogChunk(req.requestId(), id, 0, 0, "", !running, null);
      }
    }
    int max = Math.max(0, Math.min(req.maxBytes(), MAX_LOG_READ));
    try {
      LogSlice slice;
      if (live != null) {
        slice = live.read(req.offset(), max);
      } else {
        try (ReplicaLog onDisk = ReplicaLog.open(runner.replicaDir(id), runner.logMaxBytes())) {
          slice = onDisk.read(req.offset(), max);
        }
      }
      int usable = completeUtf8Length(slice.data());
      long next = slice.offset() + usable;
      String text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPLACE)
          .onUnmappableCharacter(CodingErrorAction.REPLACE)
          .decode(ByteBuffer.wrap(slice.data(), 0, usable)).toString();
      boolean finished = !running && next == slice.end();
      return new AgentMessage.LogChunk(req.requestId(), id, slice.offset(), next, text, finished, null);
    } catch (IOException | RuntimeException e) {
      return new AgentMessage.LogChunk(req.requestId(), id, req.offset(), req.offset(), "", false, "cannot read log: " + e.getMessage());
    }
  }

  /** Length without a trailing, incomplete UTF-8 sequence, so a character split by maxBytes is sent whole next time. */
  static int completeUtf8Length(byte[] b) {
    int n = b.length;
    for (int back = 1; back <= Math.min(3, n); back++) {
      int c = b[n - back] & 0xFF;
      if ((c & 0xC0) == 0x80) {
        continue;
      }
      int need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
      return need > back ? n - back : n;
    }
    return n;
  }

  /**
   * Stops every running replica and waits for their trees to be gone (agent shutdown).
   *
   * @param timeoutMillis how long to wait beyond each replica's own grace period
   */
  public void stopAll(String why, long timeoutMillis) {
    List<CompletableFuture<Void>> exits = new ArrayList<>();
    long maxGrace = 0;
    synchronized (this) {
      for (LocalReplica r : replicas.values()) {
        if (r.status.phase() == ReplicaPhase.RUNNING && r.process != null) {
          r.process.stop(Termination.STOPPED, why);
          exits.add(r.exitRecorded);
          maxGrace = Math.max(maxGrace, r.assignment.gracePeriodMillis());
        }
      }
    }
    try {
      CompletableFuture.allOf(exits.toArray(CompletableFuture[]::new)).get(maxGrace + timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      log.warn("Some replicas did not stop within {} ms", maxGrace + timeoutMillis);
    } catch (Exception e) {
      log.warn("Waiting for replicas to stop failed: {}", e.toString());
    }
  }
}
