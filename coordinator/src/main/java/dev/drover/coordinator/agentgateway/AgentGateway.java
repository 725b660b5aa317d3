package dev.drover.coordinator.agentgateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.drover.protocol.Json;
import dev.drover.protocol.agent.AgentMessage;
import dev.drover.protocol.agent.CoordinatorMessage;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.TextMessage;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/** Builds the WebSocket flow of one agent link: frames in to an {@link AgentSession}, its messages out. */
public final class AgentGateway {
  private static final int MAX_FRAME_CHARS = 4 * 1024 * 1024;
  private static final int MAX_INSTANCE_CHARS = 100;

  private final ActorSystem<?> system;
  private final Materializer mat;

  public AgentGateway(ActorSystem<?> system) {
    this.system = system;
    this.mat = Materializer.matFromSystem(system);
  }

  public Flow<Message, Message, NotUsed> link(String remote) {
    return link(remote, null);
  }

  /** @param instance the agent's {@link dev.drover.protocol.agent.AgentLinkHeaders#INSTANCE} handshake header, or null when it sent none */
  public Flow<Message, Message, NotUsed> link(String remote, String instance) {
    String agentInstance = instance == null || instance.isBlank() || instance.length() > MAX_INSTANCE_CHARS ? null : instance;
    Pair<BoundedSourceQueue<Message>, Source<Message, NotUsed>> out = Source.<Message>queue(4096).preMaterialize(mat);
    BoundedSourceQueue<Message> queue = out.first();
    AgentSession.Outbox outbox = new AgentSession.Outbox() {
      @Override
      public void send(CoordinatorMessage message) {
        queue.offer(TextMessage.create(Json.write(message)));
      }

      @Override
      public void complete() {
        queue.complete();
      }
    };
    ActorRef<AgentSession.Command> session =
        system.systemActorOf(AgentSession.create(outbox, remote, agentInstance), "agent-link-" + UUID.randomUUID(), Props.empty());
    Sink<Message, NotUsed> in =
        Flow.<Message>create()
            .mapAsync(1, this::parse)
            .watchTermination((nu, done) -> {
              done.whenComplete((d, e) -> session.tell(AgentSession.Disconnected.INSTANCE));
              return NotUsed.getInstance();
            })
            .to(Sink.foreach(session::tell));
    return Flow.fromSinkAndSourceCoupled(in, out.second());
  }

  private CompletionStage<AgentSession.Command> parse(Message m) {
    if (!m.isText()) {
      m.asBinaryMessage().getStreamedData().runWith(Sink.ignore(), mat);
      return CompletableFuture.completedFuture(new AgentSession.Malformed("binary frame; the agent protocol is JSON text"));
    }
    return m.asTextMessage()
        .getStreamedText()
        .limit(MAX_FRAME_CHARS)
        .runFold(new StringBuilder(), StringBuilder::append, mat)
        .thenApply(sb -> {
          try {
            return (AgentSession.Command) new AgentSession.Received(Json.mapper().readValue(sb.toString(), AgentMessage.class));
          } catch (JsonProcessingException e) {
            return new AgentSession.Malformed(e.getOriginalMessage());
          }
        })
        .exceptionally(e -> new AgentSession.Malformed("unreadable frame: " + e.getMessage()));
  }
}
