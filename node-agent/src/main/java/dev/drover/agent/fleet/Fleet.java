package dev.drover.agent.fleet;

import dev.drover.agent.Agent;
import dev.drover.agent.AgentResources;
import dev.drover.agent.AgentSettings;
import dev.drover.agent.metrics.MetricsSettings;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Many node agents in one JVM, for benchmarks and scale tests: each has its own WebSocket, node
 * name, simulated GPUs, work dir and replica processes, exactly as a separate agent process would,
 * while threads, timers and the HTTP client are shared ({@link AgentResources#shared}). Agents start
 * one after another with a pause between them, so a thousand connections do not reach the
 * coordinator in the same instant.
 */
public final class Fleet implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Fleet.class);
  /** Agents shut down in parallel by this many threads; each waits for its link's close and its replicas. */
  private static final int SHUTDOWN_THREADS = 32;

  private final AgentResources resources;
  private final List<Agent> agents = new ArrayList<>();
  private final CompletableFuture<String> fatal = new CompletableFuture<>();
  private boolean closed;

  private Fleet(AgentResources resources) {
    this.resources = resources;
  }

  /**
   * Starts one agent per settings, in order, pausing {@code stagger} between starts. Returns once
   * every agent has started connecting (not once connected); on a failure the agents started so far
   * are shut down and the error thrown.
   *
   * @param lanes single-threaded lanes the agents' links (and as many their health monitors) share
   */
  public static Fleet start(List<AgentSettings> settings, int lanes, Duration stagger) throws IOException, InterruptedException {
    if (settings.isEmpty()) {
      throw new IllegalArgumentException("a fleet needs at least one agent");
    }
    Fleet fleet = new Fleet(AgentResources.shared(lanes, settings.get(0).coordinatorSilenceTimeout(), settings.get(0).trust()));
    long started = System.nanoTime();
    try {
      for (int i = 0; i < settings.size(); i++) {
        if (i > 0 && !stagger.isZero()) {
          Thread.sleep(stagger.toMillis());
        }
        synchronized (fleet) {
          if (fleet.closed) {
            throw new InterruptedException("the fleet was shut down while starting");
          }
          Agent agent = Agent.start(settings.get(i), MetricsSettings.OFF, fleet.resources, i);
          fleet.agents.add(agent);
          agent.fatal().thenAccept(reason -> fleet.fatal.complete(agent.nodeName() + ": " + reason));
        }
      }
    } catch (IOException | RuntimeException | InterruptedException e) {
      fleet.close();
      throw e;
    }
    log.info("Fleet: {} agents started in {} ms ({} lanes)", settings.size(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), lanes);
    return fleet;
  }

  /** The agents started so far, in start order. */
  public synchronized List<Agent> agents() {
    return List.copyOf(agents);
  }

  /** Completes with the node and reason when a coordinator refuses any agent for good. */
  public CompletableFuture<String> fatal() {
    return fatal;
  }

  /** Shuts every agent down (links closed, replicas stopped), in parallel, then the shared threads; idempotent. */
  @Override
  public void close() {
    List<Agent> toStop;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      toStop = List.copyOf(agents);
    }
    long started = System.nanoTime();
    log.info("Fleet: shutting down {} agents", toStop.size());
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(SHUTDOWN_THREADS, toStop.size())), r -> {
      Thread t = new Thread(r, "fleet-shutdown");
      t.setDaemon(true);
      return t;
    });
    List<CompletableFuture<Void>> done = new ArrayList<>();
    for (Agent a : toStop) {
      done.add(CompletableFuture.runAsync(() -> {
        try {
          a.shutdown();
        } catch (RuntimeException e) {
          log.warn("Fleet: shutting down {} failed: {}", a.nodeName(), e.toString());
        }
      }, pool));
    }
    try {
      CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
    } catch (Exception e) {
      log.warn("Fleet: not every agent shut down: {}", e.toString());
    } finally {
      pool.shutdownNow();
      resources.close();
    }
    log.info("Fleet: {} agents shut down in {} ms", toStop.size(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
  }
}
