package dev.drover.agent;

import dev.drover.agent.faults.FaultInjectionServer;
import dev.drover.agent.gpu.GpuBackend;
import dev.drover.agent.gpu.GpuBackends;
import dev.drover.agent.gpu.GpuInventory;
import dev.drover.agent.gpu.SimulatedBackend;
import dev.drover.agent.health.HealthMonitor;
import dev.drover.agent.link.Backoff;
import dev.drover.agent.metrics.AgentMetrics;
import dev.drover.agent.metrics.AgentReadings;
import dev.drover.agent.metrics.MetricsSettings;
import dev.drover.agent.link.CoordinatorLink;
import dev.drover.agent.process.ProcessRunner;
import dev.drover.agent.reconcile.Reconciler;
import dev.drover.agent.reconcile.StateStore;
import dev.drover.protocol.ProtocolVersion;
import dev.drover.protocol.agent.AgentMessage;
import dev.drover.protocol.agent.CoordinatorMessage;
import dev.drover.protocol.agent.GpuDevice;
import dev.drover.protocol.agent.GpuSample;
import dev.drover.protocol.agent.ReplicaStatus;
import dev.drover.protocol.agent.NodeInventory;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running node agent: GPU backend, health monitor, process runner, reconciler and coordinator
 * link wired together (and, in tests, the fault-injection endpoint).
 *
 * <p>On {@link #shutdown()} the link is closed and, unless {@code --keep-replicas-on-exit} was
 * given, every replica is stopped gracefully (SIGTERM, grace period, SIGKILL) before the agent
 * exits. Replicas kept running are not re-attached by the next agent instance: it stops them and
 * reports them LOST, because their output pipe died with this process.
 */
public final class Agent {
  private static final Logger log = LoggerFactory.getLogger(Agent.class);
  private static final long SHUTDOWN_EXTRA_MILLIS = 5_000;

  private final AgentSettings settings;
  private final GpuBackend backend;
  /** Closed on shutdown when this agent made them itself, left to the fleet when they are shared. */
  private final AgentResources resources;
  private final boolean ownsResources;
  private boolean shutDown;
  private final Reconciler reconciler;
  private final CoordinatorLink link;
  private final HealthMonitor health;
  private final CompletableFuture<String> fatal = new CompletableFuture<>();
  private FaultInjectionServer faultInjection;
  private AgentMetrics metrics;

  private Agent(AgentSettings settings, AgentResources shared, int lane) throws IOException {
    this.settings = settings;
    Files.createDirectories(settings.workDir());
    this.backend = GpuBackends.open(settings.gpus());
    if (settings.faultInjection().enabled() && !(backend instanceof SimulatedBackend)) {
      backend.close();
      throw new FaultInjectionRefusedException("--enable-fault-injection needs simulated GPUs, but this agent reads "
          + backend.inventory().backend() + " GPUs: fault injection is for tests with --simulate-gpus N only");
    }
    this.ownsResources = shared == null;
    this.resources = shared != null ? shared : AgentResources.forOneAgent(settings.coordinatorSilenceTimeout(), settings.trust());
    ProcessRunner runner = new ProcessRunner(settings.workDir(), settings.nodeName(), settings.logMaxBytes(),
        resources.replicaTimers());
    this.reconciler = new Reconciler(runner, new StateStore(settings.workDir()), Clock.systemUTC());
    this.link = new CoordinatorLink(settings.coordinators(), settings.joinToken(), settings.coordinatorSilenceTimeout(),
        new LinkHandler(), resources.linkLane(lane), new Backoff(new Random(), settings.coordinators().size()),
        resources.http(), resources.trust(), ownsResources ? null : settings.nodeName());
    this.health = new HealthMonitor(backend, settings.healthPolicy(), settings.healthInterval(), Clock.systemUTC(),
        link::healthChanged, resources.healthLane(lane), ownsResources ? null : settings.nodeName());
    reconciler.onUpdate(status -> {
      backend.markBusy(reconciler.busyGpus());
      link.replicaChanged(status);
    });
  }

  /**
   * Recovers state from the work dir, takes the first health reading, then connects.
   *
   * @throws FaultInjectionRefusedException when fault injection is asked for without simulated GPUs
   */
  public static Agent start(AgentSettings settings) throws IOException {
    return start(settings, MetricsSettings.OFF);
  }

  /**
   * As {@link #start(AgentSettings)}, with the Prometheus endpoint when {@code metricsSettings} enable it.
   *
   * @throws IOException also when the metrics address cannot be bound
   */
  public static Agent start(AgentSettings settings, MetricsSettings metricsSettings) throws IOException {
    return start(settings, metricsSettings, null, 0);
  }

  /**
   * As {@link #start(AgentSettings, MetricsSettings)}, on threads, timers and an HTTP client shared with
   * other agents of this JVM (a fleet); {@link #shutdown()} leaves them running for the others.
   *
   * @param lane which of the shared single-threaded lanes this agent's link and health monitor run on
   */
  public static Agent start(AgentSettings settings, MetricsSettings metricsSettings, AgentResources shared, int lane)
      throws IOException {
    Agent agent = new Agent(settings, shared, lane);
    try {
      agent.health.start();
      if (settings.faultInjection().enabled()) {
        agent.faultInjection = FaultInjectionServer.start(settings.faultInjection(), (SimulatedBackend) agent.backend,
            agent.health, settings.workDir());
      }
      if (metricsSettings.enabled()) {
        agent.metrics = AgentMetrics.start(metricsSettings, settings.nodeName(), settings.workDir(), agent.new Readings());
      }
    } catch (IOException | RuntimeException e) {
      if (agent.faultInjection != null) {
        agent.faultInjection.close();
      }
      agent.health.close();
      agent.backend.close();
      if (agent.ownsResources) {
        agent.resources.close();
      }
      throw e;
    }
    agent.reconciler.recover();
    log.info("Agent {} starting (work dir {}, {} coordinator address(es))",
        settings.nodeName(), settings.workDir(), settings.coordinators().size());
    agent.link.start();
    return agent;
  }

  /** The health monitor (tests and the fault-injection endpoint read it). */
  public HealthMonitor health() {
    return health;
  }

  /** The fault-injection endpoint's port, or -1 when it is off. */
  public int faultInjectionPort() {
    return faultInjection == null ? -1 : faultInjection.port();
  }

  /** Completes with the reason when the coordinator refuses this agent for good. */
  public CompletableFuture<String> fatal() {
    return fatal;
  }

  /** Closes the link, then stops the replicas unless they are to be kept; idempotent. */
  public synchronized void shutdown() {
    if (shutDown) {
      return;
    }
    shutDown = true;
    log.info("Agent {} shutting down", settings.nodeName());
    if (faultInjection != null) {
      faultInjection.close();
    }
    if (metrics != null) {
      metrics.close();
    }
    link.close();
    health.close();
    if (settings.keepReplicasOnExit()) {
      log.info("Leaving replicas running (--keep-replicas-on-exit)");
    } else {
      reconciler.stopAll("the agent is shutting down", SHUTDOWN_EXTRA_MILLIS);
    }
    backend.close();
    if (ownsResources) {
      resources.close();
    }
  }

  /** The node name this agent registers as. */
  public String nodeName() {
    return settings.nodeName();
  }

  NodeInventory inventory() {
    GpuInventory gpus = backend.inventory();
    return new NodeInventory(gpus.backend(), gpus.driverVersion(), gpus.gpus(), settings.cpus(),
        settings.memoryBytes(), settings.labels(), settings.portRangeStart(), settings.portRangeEnd(), gpus.topology());
  }

  /** The metrics endpoint's port, or -1 when it is off. */
  public int metricsPort() {
    return metrics == null ? -1 : metrics.port();
  }

  /** What the metrics endpoint reads each interval. */
  private final class Readings implements AgentReadings {
    @Override
    public List<GpuDevice> gpus() {
      return backend.inventory().gpus();
    }

    @Override
    public List<GpuSample> sample() {
      return backend.sample();
    }

    @Override
    public AgentMessage.Health health() {
      return health.current();
    }

    @Override
    public List<ReplicaStatus> replicas() {
      return reconciler.statuses();
    }
  }

  private final class LinkHandler implements CoordinatorLink.Handler {
    @Override
    public AgentMessage.Hello hello() {
      return new AgentMessage.Hello(ProtocolVersion.AGENT_PROTOCOL, settings.nodeName(), ProtocolVersion.BUILD,
          settings.address(), inventory(), reconciler.statuses());
    }

    @Override
    public void connected() {
      reconciler.newConnection();
    }

    @Override
    public void desired(CoordinatorMessage.DesiredState desired) {
      reconciler.apply(desired);
      backend.markBusy(reconciler.busyGpus());
    }

    @Override
    public AgentMessage.LogChunk log(CoordinatorMessage.LogRequest request) {
      return reconciler.readLog(request);
    }

    @Override
    public AgentMessage.Telemetry telemetry() {
      backend.markBusy(reconciler.busyGpus());
      return new AgentMessage.Telemetry(Instant.now(), backend.sample());
    }

    @Override
    public AgentMessage.Health health() {
      return health.current();
    }

    @Override
    public void fatal(String reason) {
      fatal.complete(reason);
    }
  }
}
