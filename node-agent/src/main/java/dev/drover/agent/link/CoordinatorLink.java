package dev.drover.agent.link;

import dev.drover.protocol.Json;
import dev.drover.protocol.ProtocolVersion;
import dev.drover.protocol.agent.AgentLinkHeaders;
import dev.drover.protocol.agent.AgentMessage;
import dev.drover.protocol.agent.CoordinatorMessage;
import dev.drover.protocol.agent.ReplicaStatus;
import dev.drover.protocol.tls.TlsTrust;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's WebSocket to a coordinator: Hello on connect, then heartbeats, telemetry, GPU health,
 * replica updates and log answers; desired states go to the handler only after the coordinator's
 * Welcome. GPU health goes out right after each Welcome, at once on every change, and again every
 * {@link #HEALTH_EVERY_TELEMETRY}th telemetry interval (the coordinator journals only transitions,
 * so repeats cost nothing and heal a lost message).
 * On loss it reconnects, trying the coordinator addresses in order (see {@link Backoff}); the
 * replicas keep running meanwhile and the next Hello reports them all.
 *
 * <p>A coordinator that stops answering without closing the connection (paused, partitioned,
 * its host gone) is noticed by silence: the agent sends a WebSocket ping every sixth of the
 * silence timeout, and a link on which nothing at all (pong, message) arrived for the silence
 * timeout is dropped. Pings need nothing from the agent protocol: every RFC 6455 server answers
 * them (Pekko HTTP does so in its WebSocket stage), so old coordinators are covered as well, and a
 * coordinator that is paused or cut off answers nothing. The same timeout bounds the opening
 * handshake; a coordinator that accepts the Hello but sends no Welcome is given a little longer.
 * Both grow while coordinators turn out slow rather than gone, and reconnects back off with full
 * jitter (see {@link Backoff}), so an overloaded coordinator is not buried under reconnects.
 *
 * <p>Every handshake carries {@value AgentLinkHeaders#INSTANCE}, an id this link keeps for its lifetime, so
 * a coordinator that has not yet seen the old connection close recognizes the reconnect of the same
 * agent and lets it take over its node at once.
 *
 * <p>A wss:// connection refused in TLS (a certificate not trusted by {@code --ca-cert}, issued for
 * other names, expired) is logged as one line saying so, once per distinct failure and then at most
 * once a minute while it lasts; the link keeps retrying with its backoff, so a certificate or CA
 * fixed on either side takes effect without a restart.
 *
 * <p>All link state is touched only on the link's own single-threaded executor.
 */
public final class CoordinatorLink implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CoordinatorLink.class);
  private static final long DEFAULT_HEARTBEAT_MILLIS = 1_000;
  private static final long DEFAULT_TELEMETRY_MILLIS = 5_000;
  /**
   * A coordinator may take a while to accept the handshake and to recover the node's entity before
   * its Welcome: each gets at least this long (times the link's patience).
   */
  private static final long MIN_WELCOME_TIMEOUT_MILLIS = 10_000;
  /**
   * Pings per silence timeout: a link is dropped after about two unanswered pings. Every ping costs
   * the coordinator a frame in and a pong out (2,000 of each per second for 1,000 agents at six
   * per timeout), and a coordinator recognizes a reconnect of the same agent by its instance id, so
   * a wide margin between the last pong and the drop is no longer needed.
   */
  static final int PINGS_PER_TIMEOUT = 3;
  /** Health is repeated with every this many telemetry samples. */
  static final int HEALTH_EVERY_TELEMETRY = 6;
  /** A TLS failure that persists is logged again this often. */
  static final Duration TLS_REPORT_INTERVAL = Duration.ofMinutes(1);

  /** What the link asks of the rest of the agent. */
  public interface Handler {
    /** The Hello for a new connection, with the current replicas. */
    AgentMessage.Hello hello();

    /** A new connection was opened: per-connection state (desired generations) starts over. */
    void connected();

    /** A desired state after this connection's Welcome. */
    void desired(CoordinatorMessage.DesiredState desired);

    AgentMessage.LogChunk log(CoordinatorMessage.LogRequest request);

    AgentMessage.Telemetry telemetry();

    /** The node's current GPU health, or null when there is none to report. */
    default AgentMessage.Health health() {
      return null;
    }

    /** The coordinator refuses this agent for good (bad token, protocol version): the agent exits. */
    void fatal(String reason);
  }

  private final List<URI> endpoints;
  private final String joinToken;
  private final long silenceTimeoutMillis;
  private final Handler handler;
  private final ScheduledExecutorService exec;
  private final Backoff backoff;
  private final HttpClient http;
  private final TlsTrust trust;
  private final FailureReports tlsFailures = new FailureReports(TLS_REPORT_INTERVAL, System::nanoTime);
  /** The last attempt failed in TLS, reported (or held back) already: the next "Connecting" line is debug only. */
  private boolean quietRetry;
  /** "[node] " in front of every log line when agents share a JVM (fleet), else empty. */
  private final String who;
  private final String instance = java.util.UUID.randomUUID().toString();
  private int nextEndpoint;
  private Connection current;
  private boolean closed;
  private long heartbeatSeq;

  /** One open WebSocket and what belongs to it. */
  private final class Connection implements WebSocket.Listener {
    final int index;
    final URI uri;
    /** This connection's silence timeout (and the limit of its handshake): see {@link Backoff#patienceMillis}. */
    final long silenceMillis;
    WebSocket ws;
    final StringBuilder partial = new StringBuilder();
    CompletableFuture<?> sending = CompletableFuture.completedFuture(null);
    CompletableFuture<?> ping = CompletableFuture.completedFuture(null);
    /** System.nanoTime() of the last frame of any kind from the coordinator; written by the WebSocket's threads. */
    volatile long lastHeard = System.nanoTime();
    boolean welcomed;
    ScheduledFuture<?> heartbeat;
    ScheduledFuture<?> telemetry;
    ScheduledFuture<?> pinger;
    ScheduledFuture<?> silence;
    /** System.nanoTime() at which the pending silence check is due. */
    long silenceCheckDue;
    ScheduledFuture<?> welcome;
    long telemetryTicks;
    boolean gone;

    Connection(int index, URI uri, long silenceMillis) {
      this.index = index;
      this.uri = uri;
      this.silenceMillis = silenceMillis;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
      lastHeard = System.nanoTime();
      webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
      // the WebSocket answers with a pong by itself
      lastHeard = System.nanoTime();
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
      lastHeard = System.nanoTime();
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      lastHeard = System.nanoTime();
      String text = data.toString();
      exec.execute(() -> {
        partial.append(text);
        if (last) {
          String message = partial.toString();
          partial.setLength(0);
          onMessage(this, message);
        }
      });
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
      lastHeard = System.nanoTime();
      exec.execute(() -> log.warn(who + "Ignoring a binary frame from the coordinator ({} bytes)", data.remaining()));
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      exec.execute(() -> lost(this, "closed by the coordinator (" + statusCode + (reason.isEmpty() ? "" : " " + reason) + ")"));
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      exec.execute(() -> lost(this, "error: " + error));
    }
  }

  /**
   * @param silenceTimeout a link on which the coordinator sent nothing for this long is dropped
   *     and the next address tried; also the limit of each connection attempt
   */
  public CoordinatorLink(List<URI> endpoints, String joinToken, Duration silenceTimeout, Handler handler,
      ScheduledExecutorService exec, Backoff backoff) {
    this(endpoints, joinToken, silenceTimeout, handler, exec, backoff,
        HttpClient.newBuilder().connectTimeout(silenceTimeout).sslContext(TlsTrust.jvmDefault().sslContext()).build(),
        TlsTrust.jvmDefault(), null);
  }

  /**
   * As above, opening its WebSockets with {@code http} (shared by the agents of a fleet) and, when
   * {@code nodeName} is not null, naming the node in each log line.
   *
   * @param exec single-threaded; it may be shared with other links, which then take turns on it
   * @param trust what {@code http} trusts for wss://, named when a handshake is refused
   */
  public CoordinatorLink(List<URI> endpoints, String joinToken, Duration silenceTimeout, Handler handler,
      ScheduledExecutorService exec, Backoff backoff, HttpClient http, TlsTrust trust, String nodeName) {
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("no coordinator address");
    }
    this.endpoints = List.copyOf(endpoints);
    this.joinToken = joinToken;
    this.silenceTimeoutMillis = silenceTimeout.toMillis();
    if (silenceTimeoutMillis < PINGS_PER_TIMEOUT) {
      throw new IllegalArgumentException("silence timeout too short: " + silenceTimeout);
    }
    this.handler = handler;
    this.exec = exec;
    this.backoff = backoff;
    this.http = http;
    this.trust = trust;
    this.who = nodeName == null ? "" : "[" + nodeName + "] ";
  }

  /** Starts connecting; returns at once. */
  public void start() {
    exec.execute(this::connect);
  }

  /** Sends a replica's new status if a connection is open; a new connection's Hello carries it otherwise. */
  public void replicaChanged(ReplicaStatus status) {
    try {
      exec.execute(() -> {
        if (current != null) {
          send(current, new AgentMessage.ReplicaUpdate(status));
        }
      });
    } catch (RejectedExecutionException e) {
      // the link is closed (agent shutdown): the next agent's Hello reports this status from state.json
      log.debug(who + "link closed; not sending {} {}", status.allocationId(), status.phase());
    }
  }

  /** Sends the new health at once if a welcomed connection is open; the next Welcome sends it otherwise. */
  public void healthChanged(AgentMessage.Health health) {
    try {
      exec.execute(() -> {
        if (current != null && current.welcomed) {
          send(current, health);
        }
      });
    } catch (RejectedExecutionException e) {
      log.debug(who + "link closed; not sending health");
    }
  }

  private void connect() {
    if (closed || current != null) {
      return;
    }
    int index = nextEndpoint % endpoints.size();
    nextEndpoint = index + 1;
    URI uri = endpoints.get(index);
    Connection c = new Connection(index, uri, backoff.patienceMillis(silenceTimeoutMillis, nowMillis()));
    current = c;
    if (quietRetry) {
      log.debug(who + "Connecting to coordinator {}", uri);
    } else {
      log.info(who + "Connecting to coordinator {}", uri);
    }
    // The client's connect timeout (the silence timeout) bounds the TCP connect: a host that is gone
    // or a full accept queue. The builder's timeout bounds the whole opening handshake, which a busy
    // coordinator that accepted the connection needs time for: abandoning it would only leave the
    // coordinator a dead connection to set up and the agent another one to open. A paused coordinator
    // is given up after it too.
    long handshakeMillis = Math.max(MIN_WELCOME_TIMEOUT_MILLIS, silenceTimeoutMillis) * (c.silenceMillis / silenceTimeoutMillis);
    http.newWebSocketBuilder()
        .header("Authorization", "Bearer " + joinToken)
        .header(AgentLinkHeaders.INSTANCE, instance)
        .connectTimeout(Duration.ofMillis(handshakeMillis))
        .buildAsync(uri, c)
        .whenCompleteAsync((ws, err) -> opened(c, ws, err), exec);
  }

  private void opened(Connection c, WebSocket ws, Throwable err) {
    quietRetry = false;
    if (err != null) {
      Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
      if (cause instanceof WebSocketHandshakeException h) {
        int code = h.getResponse().statusCode();
        if (code == 401 || code == 403) {
          fail(c, "coordinator " + c.uri + " refused the join token (HTTP " + code + ")");
          return;
        }
        lost(c, "handshake refused with HTTP " + code);
        return;
      }
      Optional<String> tls = trust.explain(cause, "the certificate of coordinator " + c.uri, "coordinator " + c.uri);
      if (tls.isPresent()) {
        long unreported = tlsFailures.due(tls.get());
        if (unreported >= 0) {
          log.error(who + "{}; retrying{}", tls.get(),
              unreported == 0 ? "" : " (" + unreported + " attempts failed the same way since the last report)");
        }
        quietRetry = true;
        lost(c, tls.get(), true);
        return;
      }
      if (cause instanceof java.net.http.HttpTimeoutException) {
        // a full accept queue or a coordinator behind on its work, not one that is gone
        backoff.slow();
      }
      lost(c, "cannot connect: " + cause);
      return;
    }
    c.ws = ws;
    if (closed || c.gone) {
      ws.abort();
      return;
    }
    log.info(who + "Connected to coordinator {}; sending Hello", c.uri);
    watch(c);
    handler.connected();
    send(c, handler.hello());
  }

  /** Starts the pings and the silence and Welcome deadlines of a new connection. */
  private void watch(Connection c) {
    c.lastHeard = System.nanoTime();
    long pingEvery = c.silenceMillis / PINGS_PER_TIMEOUT;
    c.pinger = exec.scheduleAtFixedRate(() -> ping(c), pingEvery, pingEvery, TimeUnit.MILLISECONDS);
    scheduleSilenceCheck(c, c.silenceMillis);
    // grows with the silence timeout: a coordinator slow to welcome (recovering thousands of node
    // entities after a start) gets more time rather than the same Hello again
    long welcomeWithin = Math.max(MIN_WELCOME_TIMEOUT_MILLIS * (c.silenceMillis / silenceTimeoutMillis), c.silenceMillis);
    c.welcome = exec.schedule(() -> {
      if (!c.welcomed) {
        backoff.slow();
        lost(c, "no Welcome within " + welcomeWithin + " ms of the Hello");
      }
    }, welcomeWithin, TimeUnit.MILLISECONDS);
  }

  private void ping(Connection c) {
    if (c.gone || !c.ping.isDone()) {
      // an unanswered send of the last ping is itself a sign of a stuck peer; the silence check decides
      return;
    }
    try {
      c.ping = c.ws.sendPing(ByteBuffer.allocate(0))
          .whenCompleteAsync((x, err) -> {
            if (err != null) {
              lost(c, "ping failed: " + err);
            }
          }, exec);
    } catch (RuntimeException e) {
      // thrown rather than returned, it would silently end the periodic task
      lost(c, "ping failed: " + e);
    }
  }

  private void checkSilence(Connection c) {
    if (c.gone) {
      return;
    }
    long now = System.nanoTime();
    long silentMillis = TimeUnit.NANOSECONDS.toMillis(now - c.lastHeard);
    long lateMillis = TimeUnit.NANOSECONDS.toMillis(now - c.silenceCheckDue);
    long pingEvery = c.silenceMillis / PINGS_PER_TIMEOUT;
    if (silentMillis >= c.silenceMillis && lateMillis > pingEvery) {
      // This check ran late: this JVM was starved or paused (a fleet of agents on a busy machine,
      // a GC), and frames that arrived meanwhile may not have been read yet. Judge the link only
      // once the agent itself is on time again: look again one ping interval from now.
      scheduleSilenceCheck(c, pingEvery);
      return;
    }
    if (silentMillis >= c.silenceMillis) {
      backoff.slow();
      lost(c, "the coordinator sent nothing, not even a pong, for " + silentMillis + " ms (silence timeout "
          + c.silenceMillis + " ms)");
      return;
    }
    scheduleSilenceCheck(c, c.silenceMillis - silentMillis);
  }

  private void scheduleSilenceCheck(Connection c, long delayMillis) {
    c.silenceCheckDue = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMillis);
    c.silence = exec.schedule(() -> checkSilence(c), delayMillis, TimeUnit.MILLISECONDS);
  }

  private void onMessage(Connection c, String text) {
    if (c != current || c.gone) {
      return;
    }
    CoordinatorMessage m = MessageDecoder.decode(text).orElse(null);
    if (m == null) {
      return;
    }
    try {
      if (m instanceof CoordinatorMessage.Welcome w) {
        onWelcome(c, w);
      } else if (m instanceof CoordinatorMessage.Reject r) {
        onReject(c, r);
      } else if (m instanceof CoordinatorMessage.DesiredState d) {
        if (!c.welcomed) {
          log.warn(who + "Ignoring desired state generation {} received before Welcome", d.generation());
          return;
        }
        handler.desired(d);
      } else if (m instanceof CoordinatorMessage.LogRequest r) {
        send(c, handler.log(r));
      }
    } catch (RuntimeException e) {
      log.error(who + "Handling {} from the coordinator failed", m.getClass().getSimpleName(), e);
    }
  }

  private void onWelcome(Connection c, CoordinatorMessage.Welcome w) {
    if (w.protocolVersion() != ProtocolVersion.AGENT_PROTOCOL) {
      log.warn(who + "Coordinator speaks agent protocol {}, this agent {}", w.protocolVersion(), ProtocolVersion.AGENT_PROTOCOL);
    }
    c.welcomed = true;
    cancel(c.welcome);
    backoff.welcomed(nowMillis());
    tlsFailures.clear();
    long hb = w.heartbeatIntervalMillis() > 0 ? w.heartbeatIntervalMillis() : DEFAULT_HEARTBEAT_MILLIS;
    long tm = w.telemetryIntervalMillis() > 0 ? w.telemetryIntervalMillis() : DEFAULT_TELEMETRY_MILLIS;
    log.info(who + "Welcomed by coordinator {} as {} (heartbeat {} ms, telemetry {} ms)", c.uri, w.nodeName(), hb, tm);
    // a repeated Welcome restarts the heartbeat and telemetry; pings and the silence check go on
    cancel(c.heartbeat, c.telemetry);
    sendHealth(c);
    c.telemetryTicks = 0;
    c.heartbeat = exec.scheduleAtFixedRate(
        () -> send(c, new AgentMessage.Heartbeat(++heartbeatSeq, Instant.now())), hb, hb, TimeUnit.MILLISECONDS);
    c.telemetry = exec.scheduleAtFixedRate(() -> {
      try {
        send(c, handler.telemetry());
      } catch (RuntimeException e) {
        log.warn(who + "Reading GPU telemetry failed: {}", e.toString());
      }
      if (++c.telemetryTicks % HEALTH_EVERY_TELEMETRY == 0) {
        sendHealth(c);
      }
    }, 0, tm, TimeUnit.MILLISECONDS);
  }

  private void sendHealth(Connection c) {
    try {
      AgentMessage.Health h = handler.health();
      if (h != null) {
        send(c, h);
      }
    } catch (RuntimeException e) {
      log.warn(who + "Reading GPU health failed: {}", e.toString());
    }
  }

  private void onReject(Connection c, CoordinatorMessage.Reject r) {
    String reason = r.reason() == null ? "" : r.reason();
    if (isFatal(reason)) {
      fail(c, "coordinator " + c.uri + " rejected this agent: " + reason);
    } else {
      // This coordinator is up and reaches the node's entity (typically it still counts an older
      // link of this agent as alive): try it again rather than move on to one that may be the
      // silent coordinator this agent just left.
      log.warn(who + "Coordinator {} rejected this agent: {}; retrying", c.uri, reason);
      nextEndpoint = c.index;
      lost(c, "rejected: " + reason);
    }
  }

  /**
   * Reject carries only text, so a permanent refusal is recognized by its words: retrying with
   * the same protocol version or token can never succeed.
   */
  static boolean isFatal(String reason) {
    String r = reason.toLowerCase(Locale.ROOT);
    return r.contains("protocol") || r.contains("version") || r.contains("token")
        || r.contains("unauthorized") || r.contains("forbidden") || r.contains("authentication");
  }

  private void send(Connection c, AgentMessage message) {
    if (c.gone || c.ws == null) {
      return;
    }
    String json = Json.write(message);
    WebSocket ws = c.ws;
    c.sending = c.sending
        .thenCompose(x -> ws.sendText(json, true))
        .whenCompleteAsync((x, err) -> {
          if (err != null) {
            lost(c, "send failed: " + err);
          }
        }, exec);
  }

  private void lost(Connection c, String why) {
    lost(c, why, false);
  }

  /** @param reported the reason was logged already (or is being held back): the retry line goes to debug */
  private void lost(Connection c, String why, boolean reported) {
    if (c.gone) {
      return;
    }
    c.gone = true;
    cancelTimers(c);
    if (c.ws != null) {
      c.ws.abort();
    }
    if (current == c) {
      current = null;
    }
    if (closed) {
      return;
    }
    long delay = backoff.nextDelayMillis(nowMillis());
    if (reported) {
      log.debug(who + "Link to coordinator {} lost ({}); trying {} in {} ms", c.uri, why,
          endpoints.get(nextEndpoint % endpoints.size()), delay);
    } else {
      log.warn(who + "Link to coordinator {} lost ({}); trying {} in {} ms", c.uri, why,
          endpoints.get(nextEndpoint % endpoints.size()), delay);
    }
    exec.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
  }

  private static long nowMillis() {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
  }

  private void fail(Connection c, String reason) {
    log.error(who + "{}", reason);
    closed = true;
    lost(c, reason);
    handler.fatal(reason);
  }

  private static void cancelTimers(Connection c) {
    cancel(c.heartbeat, c.telemetry, c.pinger, c.silence, c.welcome);
  }

  private static void cancel(ScheduledFuture<?>... timers) {
    for (ScheduledFuture<?> f : timers) {
      if (f != null) {
        f.cancel(false);
      }
    }
  }

  /** Closes the connection (normal closure) and stops reconnecting. */
  @Override
  public void close() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    exec.execute(() -> {
      closed = true;
      Connection c = current;
      if (c != null && c.ws != null && !c.gone) {
        c.gone = true;
        cancelTimers(c);
        c.sending
            .thenCompose(x -> c.ws.sendClose(WebSocket.NORMAL_CLOSURE, "agent shutting down"))
            .orTimeout(2, TimeUnit.SECONDS)
            .whenComplete((x, err) -> done.complete(null));
      } else {
        done.complete(null);
      }
      current = null;
    });
    try {
      done.get(3, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.debug(who + "closing the link: {}", e.toString());
    }
  }
}
