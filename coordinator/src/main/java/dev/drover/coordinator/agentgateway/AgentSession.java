package dev.drover.coordinator.agentgateway;

import dev.drover.coordinator.CborSerializable;
import dev.drover.coordinator.node.NodeEntity;
import dev.drover.protocol.ProtocolVersion;
import dev.drover.protocol.agent.AgentMessage;
import dev.drover.protocol.agent.CoordinatorMessage;
import dev.drover.protocol.spec.JobSpecs;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * One agent's WebSocket link: the first message must be Hello, after which the agent's messages go
 * to its NodeEntity and the NodeEntity's messages go out on the link.
 */
public final class AgentSession extends AbstractBehavior<AgentSession.Command> {

  public sealed interface Command extends CborSerializable {}

  /** A message from the agent, already parsed. */
  public record Received(AgentMessage message) implements Command {}

  /** A frame that could not be parsed: logged, and answered with Reject before Hello. */
  public record Malformed(String why) implements Command {}

  public enum Disconnected implements Command {
    INSTANCE
  }

  /** Send a message to the agent. */
  public record Send(CoordinatorMessage message) implements Command {}

  /** Close the link, telling the agent why. */
  public record Close(String reason) implements Command {}

  public record ReadLog(String allocationId, long offset, int maxBytes, ActorRef<AgentMessage.LogChunk> replyTo)
      implements Command {}

  private record LogTimeout(String requestId) implements Command {}

  private enum ResendHello implements Command { INSTANCE }

  private static final Duration HELLO_RESEND = Duration.ofSeconds(2);
  private static final Duration HELLO_RESEND_MAX = Duration.ofSeconds(16);
  private Duration helloResend = HELLO_RESEND;

  /** Sink of the outgoing side of the WebSocket; {@code null} completes the stream. */
  public interface Outbox {
    void send(CoordinatorMessage message);

    void complete();
  }

  public static Behavior<Command> create(Outbox outbox, String remote) {
    return create(outbox, remote, null);
  }

  /** @param instance the id the agent process keeps across reconnects (handshake header), or null */
  public static Behavior<Command> create(Outbox outbox, String remote, String instance) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(t -> new AgentSession(ctx, t, outbox, remote, instance)));
  }

  private final TimerScheduler<Command> timers;
  private final Outbox outbox;
  private final String remote;
  private final String instance;
  private final Map<String, ReadLog> logRequests = new HashMap<>();
  private EntityRef<NodeEntity.Command> node;
  private String nodeName;
  private AgentMessage.Hello hello;

  private AgentSession(ActorContext<Command> ctx, TimerScheduler<Command> timers, Outbox outbox, String remote, String instance) {
    super(ctx);
    this.timers = timers;
    this.outbox = outbox;
    this.remote = remote;
    this.instance = instance;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Received.class, this::onReceived)
        .onMessage(Malformed.class, m -> {
          getContext().getLog().warn("agent {} ({}) sent a malformed message: {}", nodeName == null ? "?" : nodeName, remote, m.why());
          return this;
        })
        .onMessage(Send.class, m -> {
          if (m.message() instanceof CoordinatorMessage.Welcome) timers.cancel(ResendHello.INSTANCE);
          outbox.send(m.message());
          return this;
        })
        .onMessage(ResendHello.class, m -> {
          // The node's entity has not answered the hello: it may be moving between coordinators
          // (a message to a shard whose old home just died is lost). Say it again until welcomed,
          // less and less often: an entity that is only slow (a busy coordinator) would do it twice.
          node.tell(new NodeEntity.AgentConnected(getContext().getSelf(), hello, instance));
          Duration next = helloResend.multipliedBy(2);
          helloResend = next.compareTo(HELLO_RESEND_MAX) > 0 ? HELLO_RESEND_MAX : next;
          timers.startSingleTimer(ResendHello.INSTANCE, helloResend);
          return this;
        })
        .onMessage(Close.class, m -> {
          outbox.send(new CoordinatorMessage.Reject(m.reason()));
          outbox.complete();
          return Behaviors.stopped();
        })
        .onMessage(ReadLog.class, this::onReadLog)
        .onMessage(LogTimeout.class, m -> {
          ReadLog r = logRequests.remove(m.requestId());
          if (r != null) {
            r.replyTo().tell(new AgentMessage.LogChunk(m.requestId(), r.allocationId(), r.offset(), r.offset(), "", false,
                "the agent of node " + nodeName + " did not answer within 10s"));
          }
          return this;
        })
        .onMessage(Disconnected.class, m -> {
          if (node != null) node.tell(new NodeEntity.AgentDisconnected(getContext().getSelf()));
          getContext().getLog().info("agent {} ({}) disconnected", nodeName, remote);
          return Behaviors.stopped();
        })
        .build();
  }

  private Behavior<Command> onReceived(Received r) {
    AgentMessage m = r.message();
    if (node == null) {
      if (!(m instanceof AgentMessage.Hello hello)) {
        return reject("the first message must be hello, got " + m.getClass().getSimpleName());
      }
      String problem = validate(hello);
      if (problem != null) return reject(problem);
      nodeName = hello.nodeName();
      node = ClusterSharding.get(getContext().getSystem()).entityRefFor(NodeEntity.ENTITY_KEY, nodeName);
      getContext().getLog().info("agent {} connected from {} ({} GPUs, {})", nodeName, remote,
          hello.inventory().gpus().size(), hello.inventory().backend());
      this.hello = hello;
      node.tell(new NodeEntity.AgentConnected(getContext().getSelf(), hello, instance));
      timers.startSingleTimer(ResendHello.INSTANCE, helloResend);
      return this;
    }
    if (m instanceof AgentMessage.Hello) {
      getContext().getLog().warn("agent {} sent a second hello; ignored", nodeName);
    } else if (m instanceof AgentMessage.LogChunk chunk) {
      ReadLog req = logRequests.remove(chunk.requestId());
      if (req != null) {
        timers.cancel(chunk.requestId());
        req.replyTo().tell(chunk);
      }
    } else {
      node.tell(new NodeEntity.FromAgent(getContext().getSelf(), m));
    }
    return this;
  }

  private Behavior<Command> onReadLog(ReadLog r) {
    String id = UUID.randomUUID().toString();
    logRequests.put(id, r);
    timers.startSingleTimer(id, new LogTimeout(id), Duration.ofSeconds(10));
    outbox.send(new CoordinatorMessage.LogRequest(id, r.allocationId(), r.offset(), r.maxBytes()));
    return this;
  }

  private Behavior<Command> reject(String reason) {
    getContext().getLog().warn("rejecting agent link from {}: {}", remote, reason);
    outbox.send(new CoordinatorMessage.Reject(reason));
    outbox.complete();
    return Behaviors.stopped();
  }

  static String validate(AgentMessage.Hello h) {
    if (h.protocolVersion() != ProtocolVersion.AGENT_PROTOCOL) {
      return "protocol version " + h.protocolVersion() + " is not supported; this coordinator speaks " + ProtocolVersion.AGENT_PROTOCOL;
    }
    if (h.nodeName() == null || !JobSpecs.NAME.matcher(h.nodeName()).matches()) {
      return "invalid node name '" + h.nodeName() + "'";
    }
    if (h.inventory() == null || h.inventory().gpus() == null) return "hello without an inventory";
    if (h.address() == null || h.address().isBlank()) return "hello without an address";
    if (h.agentVersion() == null) return "hello without an agent version";
    if (h.replicas() == null) return "hello without a replica list";
    var inv = h.inventory();
    if (inv.portRangeStart() < 1 || inv.portRangeEnd() > 65535 || inv.portRangeStart() > inv.portRangeEnd()) {
      return "invalid port range " + inv.portRangeStart() + "-" + inv.portRangeEnd();
    }
    long distinct = inv.gpus().stream().map(g -> g.index()).distinct().count();
    if (distinct != inv.gpus().size()) return "duplicate GPU indices in the inventory";
    return null;
  }
}
