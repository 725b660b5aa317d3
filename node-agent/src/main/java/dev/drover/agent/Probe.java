package dev.drover.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.drover.agent.gpu.GpuBackend;
import dev.drover.agent.gpu.GpuInventory;
import dev.drover.agent.gpu.HealthReadings;
import dev.drover.agent.health.HealthPolicy;
import dev.drover.agent.health.HealthTracker;
import dev.drover.agent.logs.LogSlice;
import dev.drover.agent.logs.ReplicaLog;
import dev.drover.agent.process.ProcessRunner;
import dev.drover.agent.process.ReplicaEnvironment;
import dev.drover.agent.process.ReplicaExit;
import dev.drover.agent.process.ReplicaProcess;
import dev.drover.agent.process.StartFailedException;
import dev.drover.protocol.Json;
import dev.drover.protocol.agent.AgentMessage;
import dev.drover.protocol.agent.DesiredPhase;
import dev.drover.protocol.agent.GpuDevice;
import dev.drover.protocol.agent.GpuLink;
import dev.drover.protocol.agent.GpuSample;
import dev.drover.protocol.agent.ReplicaAssignment;
import dev.drover.protocol.agent.Termination;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The agent's coordinator-free mode: report what the GPU backend sees, and optionally run one
 * command through the real process runner on GPU 0 while sampling telemetry, to prove a node
 * works before it joins a cluster.
 */
public final class Probe {
  private static final long SAMPLE_MILLIS = 500;
  private static final int LOG_TAIL_BYTES = 16 * 1024;

  private Probe() {}

  /**
   * Inventory (with serials, MIG mode and the link matrix), one telemetry sample (with SM clock and
   * clock event reasons), the raw health readings and the health the policy makes of them. XIDs
   * are not seen by a one-shot probe: they arrive as events while an agent runs.
   */
  public record Report(String backend, String driverVersion, List<GpuDevice> gpus, List<GpuLink> topology,
      List<GpuSample> telemetry, HealthReadings healthReadings, AgentMessage.Health health) {}

  /** One telemetry sample of all GPUs at a moment. */
  public record TimedSample(Instant at, List<GpuSample> gpus) {}

  /**
   * What a probe run saw.
   *
   * @param exitCode null when the command could not be started
   */
  public record RunReport(
      String backend,
      String driverVersion,
      List<GpuDevice> gpus,
      List<String> command,
      Map<String, String> replicaEnv,
      List<TimedSample> telemetry,
      Integer exitCode,
      Termination termination,
      String message,
      long runtimeMillis,
      String logTail) {}

  public static Report report(GpuBackend backend, HealthPolicy policy) {
    GpuInventory inv = backend.inventory();
    List<GpuSample> telemetry = backend.sample();
    HealthReadings readings = backend.readHealth();
    HealthTracker tracker = new HealthTracker(policy, inv.gpus());
    Instant now = Instant.now();
    tracker.readings(readings, now);
    return new Report(inv.backend(), inv.driverVersion(), inv.gpus(), inv.topology(), telemetry, readings, tracker.health(now));
  }

  /** Runs command on GPU 0 (or no GPU when the node has none) with the full replica environment. */
  public static RunReport run(GpuBackend backend, String nodeName, Path workDir, long logMaxBytes, int masterPort,
      List<String> command) throws InterruptedException {
    GpuInventory inv = backend.inventory();
    List<Integer> indices = inv.gpus().isEmpty() ? List.of() : List.of(0);
    List<String> uuids = inv.gpus().isEmpty() ? List.of() : List.of(inv.gpus().get(0).uuid());
    String id = "probe-" + System.currentTimeMillis();
    ReplicaAssignment a = new ReplicaAssignment(id, "probe", "probe", 0, 0, 0, 1, 0, 1, 1, indices, uuids,
        "127.0.0.1", masterPort, command, List.of(), Map.of(), System.getProperty("user.dir"), 0, 10_000, DesiredPhase.RUN);
    ScheduledExecutorService timers = Executors.newScheduledThreadPool(2, AgentResources.daemon("probe-timer"));
    List<TimedSample> samples = new ArrayList<>();
    Map<String, String> env = ReplicaEnvironment.of(a, nodeName);
    long t0 = System.nanoTime();
    try {
      ProcessRunner runner = new ProcessRunner(workDir, nodeName, logMaxBytes, timers);
      ReplicaProcess p;
      try {
        p = runner.start(a);
      } catch (StartFailedException e) {
        return new RunReport(inv.backend(), inv.driverVersion(), inv.gpus(), command, env, samples, null,
            Termination.START_FAILED, e.getMessage(), 0, "");
      }
      backend.markBusy(Set.copyOf(indices));
      ReplicaExit exit = null;
      while (exit == null) {
        samples.add(new TimedSample(Instant.now(), backend.sample()));
        try {
          exit = p.exit().get(SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
          // still running: sample again
        } catch (ExecutionException e) {
          throw new IllegalStateException("waiting for the probe command failed", e.getCause());
        }
      }
      samples.add(new TimedSample(Instant.now(), backend.sample()));
      backend.markBusy(Set.of());
      String tail;
      try (ReplicaLog log = ReplicaLog.open(runner.replicaDir(id), logMaxBytes)) {
        LogSlice slice = log.read(-1, LOG_TAIL_BYTES);
        tail = new String(slice.data(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        tail = "(cannot read the log: " + e.getMessage() + ")";
      }
      return new RunReport(inv.backend(), inv.driverVersion(), inv.gpus(), command, env, samples, exit.exitCode(),
          exit.termination(), exit.message(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), tail);
    } finally {
      timers.shutdownNow();
    }
  }

  static String pretty(Object value) {
    try {
      return Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot print probe report", e);
    }
  }
}
