package dev.drover.coordinator.node;

import dev.drover.coordinator.CborSerializable;
import dev.drover.protocol.api.NodeView;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;

/**
 * Every coordinator's live picture of every node: the latest {@link NodeView} (status, health, GPUs
 * with allocation and telemetry) each NodeEntity published, wherever in the cluster it runs. It feeds
 * the live stream of the web UI and the node and GPU metrics without asking a thousand entities.
 *
 * <p>Soft state, rebuilt within a second of a start: every node entity republishes on its next tick
 * when its view changed, and at least every {@link #REFRESH_TICKS} ticks.
 */
public final class NodeDirectory implements Extension {
  /** A node entity republishes an unchanged view this often (ticks of 1 s), so a new coordinator fills up. */
  static final int REFRESH_TICKS = 10;

  /** A node's new picture, published on the cluster-wide topic. */
  public record NodeChanged(NodeView view) implements CborSerializable {}

  private final ActorRef<Topic.Command<NodeChanged>> topic;
  private final Map<String, NodeView> nodes = new ConcurrentHashMap<>();
  private final List<Consumer<NodeView>> listeners = new CopyOnWriteArrayList<>();

  private NodeDirectory(ActorSystem<?> system) {
    this.topic = system.systemActorOf(Topic.create(NodeChanged.class, "drover-nodes"), "drover-nodes-topic",
        org.apache.pekko.actor.typed.Props.empty());
    ActorRef<NodeChanged> subscriber = system.systemActorOf(subscriber(), "drover-node-directory",
        org.apache.pekko.actor.typed.Props.empty());
    topic.tell(Topic.subscribe(subscriber));
  }

  private Behavior<NodeChanged> subscriber() {
    return Behaviors.receiveMessage(m -> {
      NodeView v = m.view();
      NodeView before = nodes.put(v.name(), v);
      if (!Objects.equals(before, v)) for (Consumer<NodeView> l : listeners) l.accept(v);
      return Behaviors.same();
    });
  }

  /** Publishes a node's picture to every coordinator's directory (this one included). */
  public void publish(NodeView view) {
    topic.tell(Topic.publish(new NodeChanged(view)));
  }

  /** The latest picture of every node this coordinator has heard of. */
  public Collection<NodeView> nodes() {
    return nodes.values();
  }

  public NodeView node(String name) {
    return nodes.get(name);
  }

  /** Called with each new picture of a node, on the directory's actor thread: must not block. */
  public void listen(Consumer<NodeView> listener) {
    listeners.add(listener);
  }

  public void unlisten(Consumer<NodeView> listener) {
    listeners.remove(listener);
  }

  public static NodeDirectory get(ActorSystem<?> system) {
    return Id.INSTANCE.apply(system);
  }

  private static final class Id extends ExtensionId<NodeDirectory> {
    static final Id INSTANCE = new Id();

    @Override
    public NodeDirectory createExtension(ActorSystem<?> system) {
      return new NodeDirectory(system);
    }
  }
}
