package dev.drover.agent;

import dev.drover.protocol.tls.TlsTrust;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads, timers and HTTP client an agent runs on. A lone agent gets its own ({@link #forOneAgent});
 * the agents of a fleet ({@code drover agent fleet}) share one set ({@link #shared}), so a JVM hosting a
 * thousand agents runs a few dozen threads and one HTTP client instead of a thousand of each.
 *
 * <p>Links and health monitors need their state touched by one thread at a time: each gets a
 * single-threaded <em>lane</em>, agent {@code i} lane {@code i mod lanes}, so agents sharing a lane
 * take turns and one agent's work is never split across threads.
 */
public final class AgentResources implements AutoCloseable {
  private final ScheduledExecutorService replicaTimers;
  private final ScheduledExecutorService[] linkLanes;
  private final ScheduledExecutorService[] healthLanes;
  private final HttpClient http;
  /** The shared client's threads; null for a lone agent's client, which keeps the JDK's default pool. */
  private final ExecutorService httpThreads;

  private final TlsTrust trust;

  private AgentResources(int timerThreads, int linkLanes, int healthLanes, Duration connectTimeout, int httpThreads,
      TlsTrust trust) {
    this.trust = trust;
    this.replicaTimers = Executors.newScheduledThreadPool(timerThreads, daemon("replica-timer"));
    this.linkLanes = lanes(linkLanes, "coordinator-link");
    this.healthLanes = lanes(healthLanes, "health-monitor");
    // wss:// is verified against the --ca-cert CAs or the JVM's trust store, host name included
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(connectTimeout).sslContext(trust.sslContext());
    if (httpThreads > 0) {
      // The JDK's default pool grows a thread per concurrent callback (86 threads for 1,000 agents in a
      // reconnect wave); the links' WebSocket callbacks never block, so a fixed pool serves them all.
      this.httpThreads = Executors.newFixedThreadPool(httpThreads, daemon("agent-http"));
      b.executor(this.httpThreads);
    } else {
      this.httpThreads = null;
    }
    this.http = b.build();
  }

  /** What one agent process has always had: 4 replica timers, one link thread, one health thread, its own client. */
  public static AgentResources forOneAgent(Duration connectTimeout, TlsTrust trust) {
    return new AgentResources(4, 1, 1, connectTimeout, 0, trust);
  }

  /**
   * Resources for many agents of one JVM.
   *
   * @param lanes single-threaded lanes for links, and as many for health monitors (at least 1)
   * @param connectTimeout the shared HTTP client's TCP connect limit
   * @param trust the CAs the shared HTTP client trusts for wss://
   */
  public static AgentResources shared(int lanes, Duration connectTimeout, TlsTrust trust) {
    if (lanes < 1) {
      throw new IllegalArgumentException("at least one lane is needed, got " + lanes);
    }
    return new AgentResources(Math.max(4, lanes), lanes, lanes, connectTimeout, Math.max(4, lanes), trust);
  }

  /** Timers of replica processes (runtime limits, kill after grace, reaping); any thread may run them. */
  public ScheduledExecutorService replicaTimers() {
    return replicaTimers;
  }

  /** The single-threaded lane of agent {@code i}'s coordinator link. */
  public ScheduledExecutorService linkLane(int i) {
    return linkLanes[Math.floorMod(i, linkLanes.length)];
  }

  /** The single-threaded lane of agent {@code i}'s health monitor. */
  public ScheduledExecutorService healthLane(int i) {
    return healthLanes[Math.floorMod(i, healthLanes.length)];
  }

  /** The HTTP client the links open their WebSockets with. */
  public HttpClient http() {
    return http;
  }

  /** What the HTTP client trusts, to explain a refused handshake. */
  public TlsTrust trust() {
    return trust;
  }

  /** Stops every thread; the agents using these resources must have shut down first. */
  @Override
  public void close() {
    for (ScheduledExecutorService lane : linkLanes) {
      lane.shutdownNow();
    }
    for (ScheduledExecutorService lane : healthLanes) {
      lane.shutdownNow();
    }
    replicaTimers.shutdownNow();
    if (httpThreads != null) {
      httpThreads.shutdownNow();
    }
  }

  private static ScheduledExecutorService[] lanes(int n, String name) {
    ScheduledExecutorService[] lanes = new ScheduledExecutorService[n];
    for (int i = 0; i < n; i++) {
      lanes[i] = Executors.newSingleThreadScheduledExecutor(daemon(n == 1 ? name : name + "-" + i));
    }
    return lanes;
  }

  /** Daemon threads named {@code name-1}, {@code name-2}, ... */
  static ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
