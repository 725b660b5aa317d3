package dev.drover.agent.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drover.agent.Assignments;
import dev.drover.agent.Await;
import dev.drover.protocol.agent.DesiredPhase;
import dev.drover.protocol.agent.ReplicaAssignment;
import dev.drover.protocol.agent.Termination;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProcessRunnerTest {
  @TempDir Path workDir;
  ScheduledExecutorService timers;
  ProcessRunner runner;
  final List<ReplicaProcess> started = new ArrayList<>();

  @BeforeEach
  void setUp() {
    timers = Executors.newScheduledThreadPool(2);
    runner = new ProcessRunner(workDir, "node-7", 1 << 20, timers);
  }

  @AfterEach
  void tearDown() throws Exception {
    for (ReplicaProcess p : started) {
      p.stop(Termination.STOPPED, "test over");
      p.exit().get(20, TimeUnit.SECONDS);
    }
    timers.shutdownNow();
  }

  private ReplicaProcess start(ReplicaAssignment a) throws StartFailedException {
    ReplicaProcess p = runner.start(a);
    started.add(p);
    return p;
  }

  private static ReplicaExit exitOf(ReplicaProcess p) throws Exception {
    return p.exit().get(30, TimeUnit.SECONDS);
  }

  private String output(ReplicaProcess p) throws Exception {
    return new String(p.log().read(0, 1 << 20).data(), StandardCharsets.UTF_8);
  }

  @Test
  void environmentAndExitCode() throws Exception {
    ReplicaAssignment a = Assignments.of("alloc-env", List.of(2, 5), List.of("sh", "-c", "env; exit 7"),
        Map.of("FOO", "bar", "CUDA_VISIBLE_DEVICES", "9"), null, 0, 500, DesiredPhase.RUN);
    ReplicaProcess p = start(a);
    ReplicaExit exit = exitOf(p);
    assertEquals(7, exit.exitCode());
    assertEquals(Termination.COMPLETED, exit.termination());
    String out = output(p);
    for (String line : List.of("FOO=bar", "CUDA_VISIBLE_DEVICES=2,5", "CUDA_DEVICE_ORDER=PCI_BUS_ID",
        "NVIDIA_VISIBLE_DEVICES=GPU-00000002-0000-0000-0000-000000000000,GPU-00000005-0000-0000-0000-000000000000",
        "DROVER_JOB_ID=job-alloc-env", "DROVER_JOB_NAME=train", "DROVER_ALLOCATION_ID=alloc-env", "DROVER_ATTEMPT=1",
        "DROVER_NODE_NAME=node-7", "WORLD_SIZE=4", "RANK=3", "LOCAL_RANK=1", "LOCAL_WORLD_SIZE=2", "NODE_RANK=1",
        "NUM_NODES=2", "MASTER_ADDR=10.0.0.5", "MASTER_PORT=29501", "PWD=" + workDir.resolve("replicas/alloc-env/work"))) {
      assertTrue(out.lines().anyMatch(line::equals), "missing " + line + " in\n" + out);
    }
    assertTrue(Files.exists(workDir.resolve("replicas/alloc-env/output.log")));
  }

  @Test
  void noGpusMeansVoidDevices() throws Exception {
    ReplicaProcess p = start(Assignments.shell("alloc-cpu", List.of(), "echo \"[$CUDA_VISIBLE_DEVICES] $NVIDIA_VISIBLE_DEVICES\""));
    exitOf(p);
    assertEquals("[] void\n", output(p));
  }

  @Test
  void replicaLeadsItsOwnSession() throws Exception {
    ReplicaProcess p = start(Assignments.shell("alloc-sid", List.of(), "sleep 30"));
    ProcessTable.ProcStat st = ProcessTable.stat(p.pid()).orElseThrow();
    assertEquals(p.pid(), st.pgrp());
    assertEquals(p.pid(), st.session());
    assertEquals(st.startTicks(), p.startTicks());
  }

  @Test
  void signalExitIs128PlusSignal() throws Exception {
    ReplicaProcess p = start(Assignments.shell("alloc-sig", List.of(), "kill -9 $$"));
    ReplicaExit exit = exitOf(p);
    assertEquals(137, exit.exitCode());
    assertEquals(Termination.COMPLETED, exit.termination());
  }

  @Test
  void stopKillsTheWholeTreeEvenWhenItIgnoresSigterm() throws Exception {
    Path script = workDir.resolve("tree.sh");
    Files.writeString(script, String.join("\n",
        "#!/bin/sh",
        "trap '' TERM",
        "sh -c 'sleep 1000 & echo grandchild $!; wait' &",
        "echo child $!",
        "(trap - TERM; exec sleep 1001) &",
        "echo polite $!",
        "echo ready",
        "wait", ""));
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    ReplicaProcess p = start(Assignments.of("alloc-tree", List.of(0), List.of(script.toString()), Map.of(), null, 0, 300, DesiredPhase.RUN));
    Await.until(() -> {
      try {
        return output(p).contains("ready") && output(p).contains("grandchild") && ProcessTable.members(p.pid()).size() >= 4;
      } catch (Exception e) {
        return false;
      }
    }, "the tree to start");
    List<Long> tree = ProcessTable.members(p.pid());
    p.stop(Termination.STOPPED, "test stop");
    ReplicaExit exit = exitOf(p);
    assertEquals(Termination.STOPPED, exit.termination());
    assertEquals(137, exit.exitCode(), "the leader ignores SIGTERM, so SIGKILL ends it");
    assertTrue(ProcessTable.members(p.pid()).isEmpty(), "session still has " + ProcessTable.members(p.pid()));
    for (long pid : tree) {
      assertTrue(ProcessTable.stat(pid).map(ProcessTable.ProcStat::zombie).orElse(true), "pid " + pid + " survived");
    }
  }

  @Test
  void politeReplicaEndsWithSigterm() throws Exception {
    ReplicaProcess p = start(Assignments.of("alloc-polite", List.of(), List.of("sleep", "1000"), Map.of(), null, 0, 10_000, DesiredPhase.RUN));
    Await.until(() -> ProcessTable.stat(p.pid()).map(s -> s.state() == 'S').orElse(false), "sleep to run");
    long t0 = System.nanoTime();
    p.stop(Termination.STOPPED, "test stop");
    ReplicaExit exit = exitOf(p);
    assertEquals(143, exit.exitCode());
    assertEquals(Termination.STOPPED, exit.termination());
    assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(8), "it should not wait for the 10 s grace period");
  }

  @Test
  void aJobMayAskForACheckpointSignalInsteadOfSigterm() throws Exception {
    // A training loop that saves a checkpoint on SIGUSR1 and then exits on its own.
    String script = "trap 'echo checkpoint saved; exit 0' USR1; echo ready; while true; do sleep 0.1; done";
    ReplicaProcess p = start(Assignments.withStopSignal(Assignments.of("alloc-ckpt", List.of(), List.of("sh", "-c", script),
        Map.of(), null, 0, 10_000, DesiredPhase.RUN), "USR1"));
    Await.until(() -> {
      try {
        return output(p).contains("ready");
      } catch (Exception e) {
        return false;
      }
    }, "the trap to be set");
    p.stop(Termination.STOPPED, "preempted");
    ReplicaExit exit = exitOf(p);
    assertEquals(Termination.STOPPED, exit.termination());
    assertTrue(output(p).contains("checkpoint saved"), output(p));
  }

  /**
   * A child left running by a replica that exited is killed before the exit counts. The second one leads a process
   * group of its own (setpgrp, as coreutils' timeout does): only its session ties it to the replica.
   */
  @ParameterizedTest
  @ValueSource(strings = {"sleep 1000 & echo $!; exit 0", "perl -e 'setpgrp(0, 0); sleep 1000' & echo $!; exit 0"})
  void leftoverChildrenOfAFinishedReplicaAreKilled(String script) throws Exception {
    ReplicaProcess p = start(Assignments.shell("alloc-leftover", List.of(), script));
    ReplicaExit exit = exitOf(p);
    assertEquals(0, exit.exitCode());
    long child = Long.parseLong(output(p).trim());
    assertTrue(ProcessTable.stat(child).map(ProcessTable.ProcStat::zombie).orElse(true), "child " + child + " survived");
  }

  @Test
  void maxRuntimeIsEnforced() throws Exception {
    ReplicaProcess p = start(Assignments.of("alloc-slow", List.of(), List.of("sleep", "1000"), Map.of(), null, 300, 500, DesiredPhase.RUN));
    ReplicaExit exit = exitOf(p);
    assertEquals(Termination.MAX_RUNTIME_EXCEEDED, exit.termination());
    assertEquals(143, exit.exitCode());
    assertTrue(exit.message().contains("maximum runtime"), exit.message());
  }

  @Test
  void startFailuresAreReadable() throws Exception {
    StartFailedException noProgram = assertThrows(StartFailedException.class,
        () -> runner.start(Assignments.of("alloc-x", List.of(), List.of("no-such-program-xyz"), Map.of(), null, 0, 0, DesiredPhase.RUN)));
    assertTrue(noProgram.getMessage().startsWith("no such program: no-such-program-xyz"), noProgram.getMessage());
    StartFailedException badDir = assertThrows(StartFailedException.class,
        () -> runner.start(Assignments.of("alloc-y", List.of(), List.of("true"), Map.of(), "/no/such/dir", 0, 0, DesiredPhase.RUN)));
    assertEquals("working directory /no/such/dir does not exist or is not a directory", badDir.getMessage());
    Path notExec = Files.writeString(workDir.resolve("plain.txt"), "echo hi");
    StartFailedException notExecutable = assertThrows(StartFailedException.class,
        () -> runner.start(Assignments.of("alloc-z", List.of(), List.of(notExec.toString()), Map.of(), null, 0, 0, DesiredPhase.RUN)));
    assertTrue(notExecutable.getMessage().startsWith("program is not executable"), notExecutable.getMessage());
    assertThrows(StartFailedException.class,
        () -> runner.start(Assignments.shell("../escape", List.of(), "true")));
    assertFalse(Files.exists(workDir.resolve("replicas/alloc-x/output.log")));
  }
}
