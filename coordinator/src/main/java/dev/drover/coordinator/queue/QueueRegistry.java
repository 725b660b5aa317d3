package dev.drover.coordinator.queue;

import dev.drover.coordinator.persistence.StoreFailures;
import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.drover.coordinator.CborSerializable;
import dev.drover.coordinator.Peers;
import dev.drover.coordinator.scheduling.SchedulerSingleton;
import dev.drover.protocol.spec.FieldError;
import dev.drover.protocol.spec.JobSpecs;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * The queues (tenants) of the cluster: hierarchy, guaranteed GPUs, weights and borrowing limits.
 *
 * <p>One event-sourced entity holds them all, so rules that span queues (a parent exists, children's
 * guarantees fit in their parent's, no cycles) are checked against one consistent state. The
 * scheduler learns the queues from this entity's updates, like it learns nodes.
 */
public final class QueueRegistry
    extends EventSourcedBehaviorWithEnforcedReplies<QueueRegistry.Command, QueueRegistry.Event, QueueRegistry.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "Queues");
  public static final String ENTITY_ID = "all";
  public static final String DEFAULT_QUEUE = "default";
  public static final int MAX_GPUS = 1_000_000;

  /** A queue's configuration. */
  public record Queue(String name, String parent, int guaranteedGpus, double weight, int borrowLimitGpus, Instant createdAt)
      implements CborSerializable {}

  // ---------------------------------------------------------------- protocol

  public sealed interface Command extends CborSerializable {}

  public record Create(Queue queue, String by, ActorRef<Result> replyTo) implements Command {}

  public record Update(Queue queue, String by, ActorRef<Result> replyTo) implements Command {}

  /** Deletes a queue; the caller has checked that no job waits or runs in it. */
  public record Delete(String name, String by, ActorRef<Result> replyTo) implements Command {}

  public record Get(ActorRef<Result> replyTo) implements Command {}

  private enum Publish implements Command {
    INSTANCE
  }

  private enum Passivate implements Command {
    INSTANCE
  }

  public enum ErrorCode {
    INVALID,
    NOT_FOUND,
    CONFLICT
  }

  /** All queues after the command, or why it was refused (with the fields at fault). */
  public record Result(Map<String, Queue> queues, ErrorCode error, String message, List<FieldError> errors)
      implements CborSerializable {
    static Result ok(State s) {
      return new Result(s.queues(), null, null, List.of());
    }

    @JsonIgnore
    public boolean isOk() {
      return error == null;
    }
  }

  public sealed interface Event extends CborSerializable {}

  public record QueueCreated(Queue queue, String by, Instant at) implements Event {}

  public record QueueUpdated(Queue queue, String by, Instant at) implements Event {}

  public record QueueDeleted(String name, String by, Instant at) implements Event {}

  /** Queues by name; "default" always exists. */
  public record State(Map<String, Queue> queues) implements CborSerializable {
    static State initial() {
      Map<String, Queue> m = new TreeMap<>();
      m.put(DEFAULT_QUEUE, new Queue(DEFAULT_QUEUE, null, 0, 1.0, MAX_GPUS, Instant.EPOCH));
      return new State(m);
    }

    State apply(Event e) {
      Map<String, Queue> m = new TreeMap<>(queues);
      if (e instanceof QueueCreated c) m.put(c.queue().name(), c.queue());
      else if (e instanceof QueueUpdated u) m.put(u.queue().name(), u.queue());
      else if (e instanceof QueueDeleted d) m.remove(d.name());
      return new State(m);
    }
  }

  // ---------------------------------------------------------------- rules

  /** Every rule a queue must satisfy against the others; empty when valid. */
  static List<FieldError> validate(State s, Queue q, boolean update) {
    List<FieldError> errors = new ArrayList<>();
    if (q.name() == null || !JobSpecs.NAME.matcher(q.name()).matches()) {
      errors.add(new FieldError("/name", "'" + q.name() + "' is not a valid queue name: 1-63 letters, digits, '.', '_' or '-'"));
      return errors;
    }
    if (q.guaranteedGpus() < 0 || q.guaranteedGpus() > MAX_GPUS) {
      errors.add(new FieldError("/guaranteedGpus", "must be between 0 and " + MAX_GPUS));
    }
    if (!(q.weight() > 0) || q.weight() > 1000) errors.add(new FieldError("/weight", "must be more than 0 and at most 1000"));
    if (q.borrowLimitGpus() < 0 || q.borrowLimitGpus() > MAX_GPUS) {
      errors.add(new FieldError("/borrowLimitGpus", "must be between 0 and " + MAX_GPUS));
    }
    if (q.parent() != null) {
      if (q.parent().equals(q.name())) {
        errors.add(new FieldError("/parent", "a queue cannot be its own parent"));
      } else if (!s.queues().containsKey(q.parent())) {
        errors.add(new FieldError("/parent", "no queue named '" + q.parent() + "'"));
      } else if (update && isAncestor(s, q.name(), q.parent())) {
        errors.add(new FieldError("/parent", "'" + q.parent() + "' is below '" + q.name() + "': that would make a cycle"));
      } else {
        Queue parent = s.queues().get(q.parent());
        int siblings = s.queues().values().stream()
            .filter(o -> q.parent().equals(o.parent()) && !o.name().equals(q.name()))
            .mapToInt(Queue::guaranteedGpus).sum();
        if (siblings + q.guaranteedGpus() > parent.guaranteedGpus()) {
          errors.add(new FieldError("/guaranteedGpus", "the children of '" + parent.name() + "' would be guaranteed "
              + (siblings + q.guaranteedGpus()) + " GPUs, more than its own " + parent.guaranteedGpus()));
        }
      }
    }
    if (update) {
      int children = s.queues().values().stream().filter(o -> q.name().equals(o.parent())).mapToInt(Queue::guaranteedGpus).sum();
      if (children > q.guaranteedGpus()) {
        errors.add(new FieldError("/guaranteedGpus", "its children are guaranteed " + children + " GPUs; it cannot guarantee fewer"));
      }
    }
    return errors;
  }

  private static boolean isAncestor(State s, String ancestor, String of) {
    String cur = of;
    for (int i = 0; cur != null && i < 1000; i++) {
      if (cur.equals(ancestor)) return true;
      Queue q = s.queues().get(cur);
      cur = q == null ? null : q.parent();
    }
    return false;
  }

  // ---------------------------------------------------------------- setup

  public static void init(ActorSystem<?> system) {
    ClusterSharding.get(system)
        .init(Entity.of(ENTITY_KEY, ec -> create(Peers.cluster(system))).withStopMessage(Passivate.INSTANCE));
  }

  public static EntityRef<Command> ref(ActorSystem<?> system) {
    return ClusterSharding.get(system).entityRefFor(ENTITY_KEY, ENTITY_ID);
  }

  public static Behavior<Command> create(Peers peers) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(t -> new QueueRegistry(peers, t, Clock.systemUTC())));
  }

  private final Peers peers;
  private final TimerScheduler<Command> timers;
  private final Clock clock;

  private QueueRegistry(Peers peers, TimerScheduler<Command> timers, Clock clock) {
    super(PersistenceId.ofUniqueId("queues"), StoreFailures.restartWithBackoff());
    this.peers = peers;
    this.timers = timers;
    this.clock = clock;
  }

  @Override
  public State emptyState() {
    return State.initial();
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), s -> {
          // A failed-over scheduler relearns the queues within a few seconds.
          timers.startTimerWithFixedDelay(Publish.INSTANCE, Duration.ofSeconds(5));
          publish(s);
        })
        .build();
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Create.class, this::onCreate)
        .onCommand(Update.class, this::onUpdate)
        .onCommand(Delete.class, this::onDelete)
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), Result.ok(s)))
        .onCommand(Publish.class, (s, c) -> {
          publish(s);
          return Effect().noReply();
        })
        .onCommand(Passivate.class, (s, c) -> Effect().stop().thenNoReply())
        .build();
  }

  private ReplyEffect<Event, State> onCreate(State s, Create c) {
    Queue q = withCreated(c.queue(), clock.instant());
    if (s.queues().containsKey(q.name())) {
      return Effect().reply(c.replyTo(), new Result(s.queues(), ErrorCode.CONFLICT, "queue " + q.name() + " already exists",
          List.of(new FieldError("/name", "already exists"))));
    }
    List<FieldError> errors = validate(s, q, false);
    if (!errors.isEmpty()) return Effect().reply(c.replyTo(), invalid(s, errors));
    return Effect().persist(new QueueCreated(q, c.by(), clock.instant())).thenRun(this::publish).thenReply(c.replyTo(), Result::ok);
  }

  private ReplyEffect<Event, State> onUpdate(State s, Update c) {
    Queue old = s.queues().get(c.queue().name());
    if (old == null) {
      return Effect().reply(c.replyTo(), new Result(s.queues(), ErrorCode.NOT_FOUND, "no queue " + c.queue().name(), List.of()));
    }
    Queue q = withCreated(c.queue(), old.createdAt());
    if (DEFAULT_QUEUE.equals(q.name()) && q.parent() != null) {
      return Effect().reply(c.replyTo(), invalid(s, List.of(new FieldError("/parent", "the default queue stays at the top"))));
    }
    List<FieldError> errors = validate(s, q, true);
    if (!errors.isEmpty()) return Effect().reply(c.replyTo(), invalid(s, errors));
    if (q.equals(old)) return Effect().reply(c.replyTo(), Result.ok(s));
    return Effect().persist(new QueueUpdated(q, c.by(), clock.instant())).thenRun(this::publish).thenReply(c.replyTo(), Result::ok);
  }

  private ReplyEffect<Event, State> onDelete(State s, Delete c) {
    if (!s.queues().containsKey(c.name())) {
      return Effect().reply(c.replyTo(), new Result(s.queues(), ErrorCode.NOT_FOUND, "no queue " + c.name(), List.of()));
    }
    if (DEFAULT_QUEUE.equals(c.name())) {
      return Effect().reply(c.replyTo(), new Result(s.queues(), ErrorCode.CONFLICT, "the default queue cannot be deleted", List.of()));
    }
    List<String> children = s.queues().values().stream().filter(q -> c.name().equals(q.parent())).map(Queue::name).toList();
    if (!children.isEmpty()) {
      return Effect().reply(c.replyTo(), new Result(s.queues(), ErrorCode.CONFLICT,
          "queue " + c.name() + " has child queues: " + String.join(", ", children), List.of()));
    }
    return Effect().persist(new QueueDeleted(c.name(), c.by(), clock.instant())).thenRun(this::publish).thenReply(c.replyTo(), Result::ok);
  }

  private static Queue withCreated(Queue q, Instant createdAt) {
    return new Queue(q.name(), q.parent(), q.guaranteedGpus(), q.weight(), q.borrowLimitGpus(), createdAt);
  }

  private static Result invalid(State s, List<FieldError> errors) {
    StringBuilder b = new StringBuilder("invalid queue: ");
    for (int i = 0; i < errors.size(); i++) b.append(i == 0 ? "" : "; ").append(errors.get(i));
    return new Result(s.queues(), ErrorCode.INVALID, b.toString(), errors);
  }

  private void publish(State s) {
    peers.scheduler().tell(new SchedulerSingleton.QueuesUpdated(List.copyOf(new LinkedHashMap<>(s.queues()).values())));
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(State::apply);
  }
}
