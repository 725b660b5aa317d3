package dev.drover.agent.reconcile;

import static dev.drover.agent.Assignments.shell;
import static dev.drover.agent.Assignments.withDesired;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drover.agent.Assignments;
import dev.drover.agent.Await;
import dev.drover.agent.process.ProcessRunner;
import dev.drover.agent.process.ProcessTable;
import dev.drover.protocol.agent.AgentMessage;
import dev.drover.protocol.agent.CoordinatorMessage;
import dev.drover.protocol.agent.DesiredPhase;
import dev.drover.protocol.agent.ReplicaAssignment;
import dev.drover.protocol.agent.ReplicaPhase;
import dev.drover.protocol.agent.ReplicaStatus;
import dev.drover.protocol.agent.Termination;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReconcilerTest {
  @TempDir Path workDir;
  ScheduledExecutorService timers;
  Reconciler reconciler;
  final List<ReplicaStatus> updates = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp() {
    timers = Executors.newScheduledThreadPool(2);
    reconciler = newReconciler(timers);
    reconciler.recover();
  }

  private Reconciler newReconciler(ScheduledExecutorService t) {
    Reconciler r = new Reconciler(new ProcessRunner(workDir, "node-1", 1 << 20, t), new StateStore(workDir), Clock.systemUTC());
    r.onUpdate(updates::add);
    return r;
  }

  @AfterEach
  void tearDown() {
    reconciler.stopAll("test over", 10_000);
    timers.shutdownNow();
  }

  private static CoordinatorMessage.DesiredState desired(long gen, ReplicaAssignment... replicas) {
    return new CoordinatorMessage.DesiredState(gen, List.of(replicas));
  }

  private void awaitPhase(String id, ReplicaPhase phase) {
    Await.until(() -> {
      ReplicaStatus s = reconciler.status(id);
      return s != null && s.phase() == phase;
    }, id + " to be " + phase + " (is " + reconciler.status(id) + ")");
  }

  private List<ReplicaPhase> phasesOf(String id) {
    return updates.stream().filter(s -> s.allocationId().equals(id)).map(ReplicaStatus::phase).toList();
  }

  private PersistedState saved() {
    return new StateStore(workDir).load();
  }

  @Test
  void startsOnceAndRepeatedDesiredIsIdempotent() {
    ReplicaAssignment a = shell("a1", List.of(0), "sleep 1000");
    assertTrue(reconciler.apply(desired(1, a)));
    awaitPhase("a1", ReplicaPhase.RUNNING);
    long pid = reconciler.status("a1").pid();
    assertTrue(reconciler.apply(desired(1, a)));
    assertTrue(reconciler.apply(desired(2, a)));
    assertEquals(List.of(ReplicaPhase.STARTING, ReplicaPhase.RUNNING), phasesOf("a1"));
    assertEquals(pid, reconciler.status("a1").pid());
    assertEquals(List.of(0), List.copyOf(reconciler.busyGpus()));
    PersistedReplica p = saved().replicas().get(0);
    assertEquals(ReplicaPhase.RUNNING, p.status().phase());
    assertEquals(ProcessTable.stat(pid).orElseThrow().startTicks(), p.startTicks());
  }

  @Test
  void stopMarkedReplicaAndNeverRestartIt() {
    ReplicaAssignment a = shell("a2", List.of(1), "sleep 1000");
    reconciler.apply(desired(1, a));
    awaitPhase("a2", ReplicaPhase.RUNNING);
    reconciler.apply(desired(2, withDesired(a, DesiredPhase.STOP)));
    awaitPhase("a2", ReplicaPhase.EXITED);
    ReplicaStatus s = reconciler.status("a2");
    assertEquals(Termination.STOPPED, s.termination());
    assertEquals(143, s.exitCode());
    reconciler.apply(desired(3, a));
    assertEquals(List.of(ReplicaPhase.STARTING, ReplicaPhase.RUNNING, ReplicaPhase.EXITED), phasesOf("a2"));
    assertTrue(reconciler.busyGpus().isEmpty());
  }

  @Test
  void absentIsStoppedThenForgottenAndNeverStartedAgain() {
    ReplicaAssignment a = shell("a3", List.of(), "echo hello; sleep 1000");
    reconciler.apply(desired(1, a));
    awaitPhase("a3", ReplicaPhase.RUNNING);
    reconciler.apply(desired(2));
    awaitPhase("a3", ReplicaPhase.EXITED);
    assertEquals(Termination.STOPPED, reconciler.status("a3").termination());
    reconciler.apply(desired(3));
    assertNull(reconciler.status("a3"));
    assertTrue(Files.exists(workDir.resolve("replicas/a3/output.log")), "log kept after forgetting");
    assertEquals(List.of("a3"), saved().forgotten());
    AgentMessage.LogChunk chunk = reconciler.readLog(new CoordinatorMessage.LogRequest("r1", "a3", 0, 100));
    assertEquals("hello\n", chunk.data());
    assertTrue(chunk.finished());

    reconciler.apply(desired(4, a));
    ReplicaStatus again = reconciler.status("a3");
    assertEquals(ReplicaPhase.EXITED, again.phase());
    assertEquals(Termination.LOST, again.termination());
    assertNull(again.pid());
  }

  @Test
  void waitsForAGpuStillHeldByAnotherAllocation() {
    ReplicaAssignment first = shell("g1", List.of(0), "sleep 1000");
    ReplicaAssignment second = shell("g2", List.of(1, 0), "sleep 1000");
    reconciler.apply(desired(1, first, second));
    awaitPhase("g1", ReplicaPhase.RUNNING);
    ReplicaStatus waiting = reconciler.status("g2");
    assertEquals(ReplicaPhase.STARTING, waiting.phase());
    assertEquals("waiting for GPU 0 to be released", waiting.message());
    reconciler.apply(desired(2, second));
    awaitPhase("g2", ReplicaPhase.RUNNING);
    int exitedAt = indexOf("g1", ReplicaPhase.EXITED);
    int runningAt = indexOf("g2", ReplicaPhase.RUNNING);
    assertTrue(exitedAt >= 0 && exitedAt < runningAt, "g2 started only after g1 exited: " + updates);
  }

  private int indexOf(String id, ReplicaPhase phase) {
    for (int i = 0; i < updates.size(); i++) {
      if (updates.get(i).allocationId().equals(id) && updates.get(i).phase() == phase) {
        return i;
      }
    }
    return -1;
  }

  @Test
  void staleGenerationIsIgnoredUntilANewConnection() {
    ReplicaAssignment a = shell("s1", List.of(), "sleep 1000");
    assertTrue(reconciler.apply(desired(5, a)));
    awaitPhase("s1", ReplicaPhase.RUNNING);
    assertFalse(reconciler.apply(desired(3)));
    assertEquals(ReplicaPhase.RUNNING, reconciler.status("s1").phase());
    reconciler.newConnection();
    assertTrue(reconciler.apply(desired(1, a)));
    assertEquals(ReplicaPhase.RUNNING, reconciler.status("s1").phase());
  }

  @Test
  void startFailureIsReportedNotThrown() {
    ReplicaAssignment bad = Assignments.of("f1", List.of(0), List.of("/no/such/binary"), Map.of(), null, 0, 0, DesiredPhase.RUN);
    reconciler.apply(desired(1, bad));
    ReplicaStatus s = reconciler.status("f1");
    assertEquals(ReplicaPhase.EXITED, s.phase());
    assertEquals(Termination.START_FAILED, s.termination());
    assertEquals("no such program: /no/such/binary", s.message());
    assertEquals(List.of(ReplicaPhase.STARTING, ReplicaPhase.EXITED), phasesOf("f1"));
    assertTrue(reconciler.busyGpus().isEmpty());
  }

  @Test
  void completedReplicaAndLogRequests() {
    ReplicaAssignment a = shell("l1", List.of(), "printf 'line1\\nline2\\n'; exit 4");
    reconciler.apply(desired(1, a));
    awaitPhase("l1", ReplicaPhase.EXITED);
    ReplicaStatus s = reconciler.status("l1");
    assertEquals(Termination.COMPLETED, s.termination());
    assertEquals(4, s.exitCode());
    AgentMessage.LogChunk part = reconciler.readLog(new CoordinatorMessage.LogRequest("r", "l1", 0, 6));
    assertEquals("line1\n", part.data());
    assertEquals(6, part.nextOffset());
    assertFalse(part.finished());
    AgentMessage.LogChunk rest = reconciler.readLog(new CoordinatorMessage.LogRequest("r", "l1", 6, 100));
    assertEquals("line2\n", rest.data());
    assertTrue(rest.finished());
    AgentMessage.LogChunk tail = reconciler.readLog(new CoordinatorMessage.LogRequest("r", "l1", -1, 6));
    assertEquals(6, tail.offset());
    assertEquals("line2\n", tail.data());
    AgentMessage.LogChunk unknown = reconciler.readLog(new CoordinatorMessage.LogRequest("r", "nope", 0, 100));
    assertEquals("unknown allocation nope", unknown.error());
  }

  @Test
  void logChunksNeverSplitACharacter() {
    byte[] euro = "a\u20ac".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(1, Reconciler.completeUtf8Length(new byte[] {euro[0], euro[1], euro[2]}));
    assertEquals(4, Reconciler.completeUtf8Length(euro));
  }

  @Test
  void recoveryStopsLeftoversAndReportsThemLost() throws Exception {
    ScheduledExecutorService oldTimers = Executors.newScheduledThreadPool(2);
    Reconciler old = newReconciler(oldTimers);
    old.recover();
    ReplicaAssignment survivor = shell("r1", List.of(0), "trap '' TERM; sleep 1000 & sleep 1000 & wait");
    ReplicaAssignment finished = shell("r2", List.of(1), "exit 0");
    old.apply(desired(1, survivor, finished));
    Await.until(() -> old.status("r1").phase() == ReplicaPhase.RUNNING && old.status("r2").phase() == ReplicaPhase.EXITED,
        "r1 running and r2 exited");
    long pid = old.status("r1").pid();
    Await.until(() -> ProcessTable.members(pid).size() >= 3, "r1's children to start");
    List<Long> tree = ProcessTable.members(pid);
    // The old agent dies: its timers stop, its processes keep running.
    oldTimers.shutdownNow();

    // A replica whose pid now belongs to an unrelated process (this JVM): it must not be killed.
    StateStore store = new StateStore(workDir);
    PersistedState state = store.load();
    ReplicaAssignment reused = shell("r3", List.of(2), "sleep 1000");
    long self = ProcessHandle.current().pid();
    List<PersistedReplica> replicas = new ArrayList<>(state.replicas());
    replicas.add(new PersistedReplica(reused, new ReplicaStatus("r3", reused.jobId(), 1, 3, ReplicaPhase.RUNNING, self,
        null, null, "running", null, null), 12345L));
    store.save(new PersistedState(state.version(), replicas, state.forgotten()));

    updates.clear();
    Reconciler fresh = newReconciler(timers);
    fresh.recover();
    ReplicaStatus r1 = fresh.status("r1");
    assertEquals(ReplicaPhase.EXITED, r1.phase());
    assertEquals(Termination.LOST, r1.termination());
    assertTrue(r1.message().contains("cannot re-attach"), r1.message());
    for (long p : tree) {
      assertTrue(ProcessTable.stat(p).map(ProcessTable.ProcStat::zombie).orElse(true), "pid " + p + " survived recovery");
    }
    assertEquals(Termination.COMPLETED, fresh.status("r2").termination());
    ReplicaStatus r3 = fresh.status("r3");
    assertEquals(Termination.LOST, r3.termination());
    assertTrue(r3.message().contains("ended while the agent was down"), r3.message());
    assertTrue(ProcessHandle.current().isAlive());
    assertEquals(3, fresh.statuses().size());
    assertTrue(saved().replicas().stream().allMatch(p -> p.status().phase() == ReplicaPhase.EXITED));

    // The coordinator still wants r1: it is not started again.
    fresh.newConnection();
    fresh.apply(desired(1, survivor));
    assertEquals(Termination.LOST, fresh.status("r1").termination());
    assertTrue(fresh.busyGpus().isEmpty());
  }
}
