package dev.drover.coordinator.node;

import dev.drover.coordinator.PauseGuard;
import dev.drover.coordinator.metrics.DroverMetrics;
import dev.drover.coordinator.persistence.StoreFailures;
import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.drover.coordinator.CborSerializable;
import dev.drover.coordinator.DroverSettings;
import dev.drover.coordinator.agentgateway.AgentSession;
import dev.drover.coordinator.job.JobEntity;
import dev.drover.coordinator.scheduling.SchedulerSingleton;
import dev.drover.protocol.ProtocolVersion;
import dev.drover.protocol.agent.AgentMessage;
import dev.drover.protocol.agent.CoordinatorMessage;
import dev.drover.protocol.agent.DesiredPhase;
import dev.drover.protocol.agent.GpuSample;
import dev.drover.protocol.agent.NodeInventory;
import dev.drover.protocol.agent.ReplicaAssignment;
import dev.drover.protocol.agent.ReplicaPhase;
import dev.drover.protocol.agent.ReplicaStatus;
import dev.drover.protocol.agent.Termination;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import dev.drover.coordinator.Peers;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReplyBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One event-sourced entity per node: registration, readiness, cordon and drain, and the replicas
 * the coordinator wants on it (desired state), pushed to the node's agent over its link.
 *
 * <p>Heartbeats, telemetry and the agent's actual replica states are soft state kept in memory;
 * only transitions are journaled. Replica reports are forwarded to their jobs at least once.
 */
public final class NodeEntity
    extends EventSourcedBehaviorWithEnforcedReplies<NodeEntity.Command, NodeEntity.Event, NodeEntity.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "Node");
  public static final String TAG = "node";

  // ---------------------------------------------------------------- commands

  public sealed interface Command extends CborSerializable {}

  /** @param instance the agent process's id across its reconnects, or null (older agents send none) */
  public record AgentConnected(ActorRef<AgentSession.Command> session, AgentMessage.Hello hello, String instance)
      implements Command {
    public AgentConnected(ActorRef<AgentSession.Command> session, AgentMessage.Hello hello) {
      this(session, hello, null);
    }
  }

  public record FromAgent(ActorRef<AgentSession.Command> session, AgentMessage message) implements Command {}

  public record AgentDisconnected(ActorRef<AgentSession.Command> session) implements Command {}

  /** Want these replicas on this node (idempotent by allocation id). */
  public record Assign(List<ReplicaAssignment> replicas, ActorRef<Done> replyTo) implements Command {}

  /** Stop these replicas: SIGTERM, grace period, SIGKILL on the agent. */
  public record Stop(List<String> allocationIds, String reason, ActorRef<Done> replyTo) implements Command {}

  /** Forget these replicas: their job has settled them. */
  public record Release(List<String> allocationIds, ActorRef<Done> replyTo) implements Command {}

  public record Cordon(String by, String reason, ActorRef<Result> replyTo) implements Command {}

  public record Uncordon(String by, ActorRef<Result> replyTo) implements Command {}

  public record Drain(String by, String reason, ActorRef<Result> replyTo) implements Command {}

  public record Get(ActorRef<Result> replyTo) implements Command {}

  /** The node's GPUs in depth: health with its history, latest telemetry and the recent samples. */
  public record GetGpus(ActorRef<GpuReport> replyTo) implements Command {}

  public record ReadLog(String allocationId, long offset, int maxBytes, ActorRef<AgentMessage.LogChunk> replyTo)
      implements Command {}

  private enum Tick implements Command {
    INSTANCE
  }

  private enum Passivate implements Command {
    INSTANCE
  }

  private record ReportAcked(String allocationId, ReplicaStatus status) implements Command {}

  private record EvictionAcked(String allocationId) implements Command {}

  private record GpuFaultAcked(String allocationId) implements Command {}

  /** A node's full picture: journaled state plus what its agent last said. */
  public record Result(View view, String error) implements CborSerializable {
    @JsonIgnore
    public boolean isOk() {
      return error == null;
    }
  }

  /**
   * The answer to {@link GetGpus}.
   *
   * @param live the agent's latest health report (conditions as the agent sees them now), or null
   * @param samples the recent telemetry, oldest first
   * @param unusableGpus GPUs placement avoids now (unhealthy or in their recovery hold)
   */
  public record GpuReport(
      State state, AgentMessage.Health live, List<AgentMessage.Telemetry> samples, Set<Integer> unusableGpus, String error)
      implements CborSerializable {}

  /** Everything the API shows about a node. */
  public record View(
      State state,
      boolean connected,
      Instant lastSeenAt,
      List<GpuSample> telemetry,
      Map<String, ReplicaStatus> actual,
      Set<Integer> unusableGpus)
      implements CborSerializable {}

  // ---------------------------------------------------------------- events

  public sealed interface Event extends CborSerializable {
    String node();

    Instant at();
  }

  public record NodeRegistered(String node, String address, String agentVersion, NodeInventory inventory, Instant at)
      implements Event {}

  public record NodeBecameReady(String node, Instant at) implements Event {}

  public record NodeBecameNotReady(String node, String reason, Instant at) implements Event {}

  public record NodeCordoned(String node, String by, String reason, Instant at) implements Event {}

  public record NodeUncordoned(String node, String by, Instant at) implements Event {}

  public record NodeDrainStarted(String node, String by, String reason, Instant at) implements Event {}

  public record ReplicaAssigned(String node, ReplicaAssignment assignment, Instant at) implements Event {}

  public record ReplicaStopRequested(String node, String allocationId, String reason, Instant at) implements Event {}

  public record ReplicasReleased(String node, List<String> allocationIds, Instant at) implements Event {}

  /**
   * A GPU's health changed (statuses are HealthStatus names).
   *
   * @param conditions what the agent reported with the new status (empty when healthy)
   */
  public record GpuHealthChanged(
      String node, int gpu, String uuid, String from, String to, List<NodeHealth.Condition> conditions, String reason, Instant at)
      implements Event {}

  /** The node-level health changed (NVML unusable, driver trouble), as its agent reported. */
  public record NodeHealthChanged(
      String node, String from, String to, List<NodeHealth.Condition> conditions, String reason, Instant at)
      implements Event {}

  /** Drover cordoned the node because of its health; Drover may lift this cordon, an operator's never. */
  public record NodeCordonedAutomatically(String node, String reason, Instant at) implements Event {}

  /** Drover lifted its own cordon after the node stayed healthy for the hold time. */
  public record NodeUncordonedAutomatically(String node, String reason, Instant at) implements Event {}

  // ---------------------------------------------------------------- state

  public record State(
      String name,
      boolean registered,
      String address,
      String agentVersion,
      NodeInventory inventory,
      Instant registeredAt,
      boolean ready,
      String notReadyReason,
      boolean cordoned,
      String cordonedBy,
      String cordonReason,
      boolean draining,
      Map<String, ReplicaAssignment> assignments,
      NodeHealth health)
      implements CborSerializable {

    public State {
      // Snapshots taken before health was tracked hold none.
      health = health == null ? NodeHealth.EMPTY : health;
    }

    static State empty(String name) {
      return new State(name, false, null, null, null, null, false, null, false, null, null, false, Map.of(), NodeHealth.EMPTY);
    }

    @JsonIgnore
    public boolean schedulable() {
      return registered && ready && !cordoned && !draining;
    }

    private State withAssignments(Map<String, ReplicaAssignment> a) {
      return new State(name, registered, address, agentVersion, inventory, registeredAt, ready, notReadyReason, cordoned,
          cordonedBy, cordonReason, draining, a, health);
    }

    private State withHealth(NodeHealth h) {
      return new State(name, registered, address, agentVersion, inventory, registeredAt, ready, notReadyReason, cordoned,
          cordonedBy, cordonReason, draining, assignments, h);
    }

    private State withCordon(boolean cordon, String by, String reason, boolean drain, NodeHealth h) {
      return new State(name, registered, address, agentVersion, inventory, registeredAt, ready, notReadyReason, cordon, by,
          reason, drain, assignments, h);
    }

    State apply(Event event) {
      if (event instanceof NodeRegistered e) {
        return new State(name, true, e.address(), e.agentVersion(), e.inventory(),
            registeredAt == null ? e.at() : registeredAt, ready, notReadyReason, cordoned, cordonedBy, cordonReason,
            draining, assignments, health);
      } else if (event instanceof NodeBecameReady) {
        return new State(name, registered, address, agentVersion, inventory, registeredAt, true, null, cordoned,
            cordonedBy, cordonReason, draining, assignments, health);
      } else if (event instanceof NodeBecameNotReady e) {
        return new State(name, registered, address, agentVersion, inventory, registeredAt, false, e.reason(), cordoned,
            cordonedBy, cordonReason, draining, assignments, health);
      } else if (event instanceof NodeCordoned e) {
        return withCordon(true, e.by(), e.reason(), draining, health.manualCordon());
      } else if (event instanceof NodeUncordoned) {
        return withCordon(false, null, null, false, health.manualCordon());
      } else if (event instanceof NodeDrainStarted e) {
        return withCordon(true, e.by(), e.reason(), true, health.manualCordon());
      } else if (event instanceof GpuHealthChanged e) {
        return withHealth(health.gpuChanged(e));
      } else if (event instanceof NodeHealthChanged e) {
        return withHealth(health.nodeChanged(e));
      } else if (event instanceof NodeCordonedAutomatically e) {
        return withCordon(true, HealthDecisions.AUTO_CORDON_BY, e.reason(), draining, health.autoCordoned(e));
      } else if (event instanceof NodeUncordonedAutomatically e) {
        return withCordon(false, null, null, false, health.autoUncordoned(e));
      } else if (event instanceof ReplicaAssigned e) {
        Map<String, ReplicaAssignment> a = new LinkedHashMap<>(assignments);
        a.putIfAbsent(e.assignment().allocationId(), e.assignment());
        return withAssignments(a);
      } else if (event instanceof ReplicaStopRequested e) {
        ReplicaAssignment r = assignments.get(e.allocationId());
        if (r == null) return this;
        Map<String, ReplicaAssignment> a = new LinkedHashMap<>(assignments);
        a.put(e.allocationId(), withDesired(r, DesiredPhase.STOP));
        return withAssignments(a);
      } else if (event instanceof ReplicasReleased e) {
        Map<String, ReplicaAssignment> a = new LinkedHashMap<>(assignments);
        e.allocationIds().forEach(a::remove);
        return withAssignments(a);
      }
      throw new IllegalStateException("unknown event " + event);
    }
  }

  static ReplicaAssignment withDesired(ReplicaAssignment r, DesiredPhase d) {
    return new ReplicaAssignment(r.allocationId(), r.jobId(), r.jobName(), r.attempt(), r.rank(), r.localRank(),
        r.localWorldSize(), r.nodeRank(), r.worldSize(), r.numNodes(), r.gpuIndices(), r.gpuUuids(), r.masterAddr(),
        r.masterPort(), r.command(), r.args(), r.env(), r.workingDir(), r.maxRuntimeMillis(), r.gracePeriodMillis(), d,
        r.stopSignal());
  }

  // ---------------------------------------------------------------- setup

  public static void init(ActorSystem<?> system, DroverSettings settings) {
    ClusterSharding.get(system)
        .init(Entity.of(ENTITY_KEY, ec -> create(ec.getEntityId(), settings, Peers.cluster(system))).withStopMessage(Passivate.INSTANCE));
  }

  public static Behavior<Command> create(String name, DroverSettings settings, Peers peers) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(t -> new NodeEntity(name, settings, peers, ctx, t, Clock.systemUTC())));
  }

  private final String name;
  private final DroverSettings settings;
  private final Peers peers;
  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  private final Clock clock;

  // Soft state: rebuilt from the agent after any restart.
  private ActorRef<AgentSession.Command> session;
  /** The current link's agent instance (see AgentLinkHeaders.INSTANCE), or null. */
  private String sessionInstance;
  private Instant lastSeen;
  /** The agent's silence as this entity vouches for it (its own lag left out): what node-timeout is held against. */
  private final AgentSilence silence;
  private List<GpuSample> telemetry = List.of();
  private final Map<String, ReplicaStatus> actual = new HashMap<>();
  private final Map<String, ReplicaStatus> unacknowledged = new LinkedHashMap<>();
  private final Set<String> evictionsAcked = new HashSet<>();
  private final Set<String> gpuFaultsAcked = new HashSet<>();
  private AgentMessage.Health liveHealth;
  /** What this entity last published to the node directory (lastSeenAt left out), and when. */
  private dev.drover.protocol.api.NodeView directoryView;
  private int directoryTick;
  /** The journaled state, the unusable GPUs and the scheduler's picture as of the last publish. */
  private State publishedState;
  private Set<Integer> publishedUnusable = Set.of();
  private SchedulerSingleton.NodeUpdated publishedInfo;
  /** Soft state the node's view shows (telemetry, actual replicas, the link) changed since the last publish. */
  private boolean softChanged = true;
  private final java.util.ArrayDeque<AgentMessage.Telemetry> samples = new java.util.ArrayDeque<>();
  private int ticks;
  private static final Duration TICK = Duration.ofSeconds(1);

  private NodeEntity(
      String name, DroverSettings settings, Peers peers, ActorContext<Command> ctx, TimerScheduler<Command> timers, Clock clock) {
    super(PersistenceId.of("Node", name), StoreFailures.restartWithBackoff());
    this.name = name;
    this.peers = peers;
    this.settings = settings;
    this.ctx = ctx;
    this.timers = timers;
    this.clock = clock;
    this.lastSeen = clock.instant();
    this.silence = new AgentSilence(TICK.multipliedBy(2), lastSeen);
  }

  @Override
  public State emptyState() {
    return State.empty(name);
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return Set.of(TAG);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(200, 2);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> {
          // Agents get a full timeout to reconnect after a coordinator restart before their
          // node is declared NotReady.
          heardFromAgent();
          timers.startTimerWithFixedDelay(Tick.INSTANCE, TICK);
          publish(state);
        })
        .build();
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    CommandHandlerWithReplyBuilder<Command, Event, State> b = newCommandHandlerWithReplyBuilder();
    b.forAnyState()
        .onCommand(AgentConnected.class, this::onConnected)
        .onCommand(FromAgent.class, this::onFromAgent)
        .onCommand(AgentDisconnected.class, (s, c) -> {
          if (c.session().equals(session)) {
            session = null;
            sessionInstance = null;
            softChanged = true;
          }
          return Effect().noReply();
        })
        .onCommand(Assign.class, this::onAssign)
        .onCommand(Stop.class, this::onStop)
        .onCommand(Release.class, this::onRelease)
        .onCommand(Cordon.class, this::onCordon)
        .onCommand(Uncordon.class, this::onUncordon)
        .onCommand(Drain.class, this::onDrain)
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), s.registered() ? ok(s) : new Result(null, "no node " + name)))
        .onCommand(GetGpus.class, (s, c) -> Effect().reply(c.replyTo(), s.registered()
            ? new GpuReport(s, liveHealth, List.copyOf(samples), unusable(s), null)
            : new GpuReport(null, null, List.of(), Set.of(), "no node " + name)))
        .onCommand(ReadLog.class, this::onReadLog)
        .onCommand(Tick.class, this::onTick)
        .onCommand(ReportAcked.class, (s, c) -> {
          unacknowledged.remove(c.allocationId(), c.status());
          return Effect().noReply();
        })
        .onCommand(EvictionAcked.class, (s, c) -> {
          evictionsAcked.add(c.allocationId());
          return Effect().noReply();
        })
        .onCommand(GpuFaultAcked.class, (s, c) -> {
          gpuFaultsAcked.add(c.allocationId());
          return Effect().noReply();
        })
        .onCommand(Passivate.class, (s, c) -> Effect().stop().thenNoReply());
    return b.build();
  }

  /** False when the current link ends on a coordinator the cluster sees as unreachable or gone. */
  private boolean sessionHostReachable() {
    org.apache.pekko.actor.Address host = session.path().address();
    if (!host.hasGlobalScope()) return true;
    org.apache.pekko.cluster.typed.Cluster cluster = org.apache.pekko.cluster.typed.Cluster.get(ctx.getSystem());
    if (host.equals(cluster.selfMember().address())) return true;
    for (org.apache.pekko.cluster.Member m : cluster.state().getUnreachable()) {
      if (m.address().equals(host)) return false;
    }
    for (org.apache.pekko.cluster.Member m : cluster.state().getMembers()) {
      if (m.address().equals(host)) return m.status() == org.apache.pekko.cluster.MemberStatus.up();
    }
    return false;
  }

  private Result ok(State s) {
    return new Result(new View(s, session != null, lastSeen, telemetry, Map.copyOf(actual), unusable(s)), null);
  }

  private Set<Integer> unusable(State s) {
    return HealthDecisions.unusableGpus(s, clock.instant(), settings.health());
  }

  /** The agent was heard from now: both what the API shows (lastSeen) and the silence count start over. */
  private void heardFromAgent() {
    lastSeen = clock.instant();
    silence.heard(lastSeen);
  }

  private ReplyEffect<Event, State> onConnected(State s, AgentConnected c) {
    AgentMessage.Hello h = c.hello();
    if (session != null && !session.equals(c.session())) {
      Duration silent = Duration.between(lastSeen, clock.instant());
      // The same agent process on a new connection (it gave up the old one, which this coordinator
      // may not have seen closing yet) takes over at once: refusing it would only make it retry.
      boolean sameAgent = c.instance() != null && c.instance().equals(sessionInstance);
      if (!sameAgent && silent.compareTo(settings.heartbeatInterval().multipliedBy(3)) < 0 && sessionHostReachable()) {
        // The current link is alive: this is a second agent using the same name, not a reconnect.
        // Refuse the newcomer rather than let the two take the node from each other forever.
        c.session().tell(new AgentSession.Close("node name " + name + " is already connected from " + s.address()
            + " (heard from " + silent.toMillis() + " ms ago); is another agent using the same --name?"));
        ctx.getLog().warn("refused a second agent for node {} from {}: the current link is alive", name, h.address());
        return Effect().noReply();
      }
      // The old link went quiet (half-open connection): the newer connection takes over.
      session.tell(new AgentSession.Close("superseded by a newer connection of node " + name));
      ctx.unwatch(session);
    }
    session = c.session();
    sessionInstance = c.instance();
    // The link may live on another coordinator: its end (that coordinator leaving or crashing) is a disconnect.
    ctx.watchWith(session, new AgentDisconnected(session));
    heardFromAgent();
    Instant now = clock.instant();
    List<Event> events = new ArrayList<>();
    if (!s.registered() || !h.inventory().equals(s.inventory()) || !h.address().equals(s.address())
        || !h.agentVersion().equals(s.agentVersion())) {
      events.add(new NodeRegistered(name, h.address(), h.agentVersion(), h.inventory(), now));
    }
    if (!s.ready()) events.add(new NodeBecameReady(name, now));
    return Effect()
        .persist(events)
        .thenRun(DroverMetrics.journalWrite("node"))
        .thenRun(ns -> {
          session.tell(new AgentSession.Send(new CoordinatorMessage.Welcome(ProtocolVersion.AGENT_PROTOCOL, name,
              settings.heartbeatInterval().toMillis(), settings.telemetryInterval().toMillis())));
          pushDesired(ns);
          actual.clear();
          for (ReplicaStatus st : h.replicas()) onReplicaStatus(ns, st);
          publish(ns);
        })
        .thenNoReply();
  }

  private ReplyEffect<Event, State> onFromAgent(State s, FromAgent c) {
    if (session == null) {
      // This incarnation never had the agent's Hello (the entity moved to this coordinator or restarted):
      // ask the agent to reconnect, so it resends its full actual state.
      c.session().tell(new AgentSession.Close("the coordinator state of node " + name + " moved; reconnect and resend the state"));
      return Effect().noReply();
    }
    if (!c.session().equals(session)) return Effect().noReply();
    heardFromAgent();
    AgentMessage m = c.message();
    if (m instanceof AgentMessage.Telemetry t) {
      telemetry = List.copyOf(t.gpus());
      softChanged = true;
      samples.addLast(t);
      while (samples.size() > settings.health().telemetryHistory()) samples.removeFirst();
    } else if (m instanceof AgentMessage.Health h) {
      return onHealth(s, h);
    } else if (m instanceof AgentMessage.ReplicaUpdate u) {
      onReplicaStatus(s, u.status());
    } else if (m instanceof AgentMessage.Heartbeat && !s.ready()) {
      return Effect()
          .persist(new NodeBecameReady(name, clock.instant()))
          .thenRun(DroverMetrics.journalWrite("node"))
          .thenRun(this::publish)
          .thenNoReply();
    }
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onHealth(State s, AgentMessage.Health h) {
    liveHealth = h;
    List<Event> events = HealthDecisions.onReport(s, h, clock.instant(), settings.health());
    if (events.isEmpty()) return Effect().noReply();
    return Effect()
        .persist(events)
        .thenRun(DroverMetrics.journalWrite("node"))
        .thenRun(ns -> {
          for (Event e : events) {
            if (e instanceof GpuHealthChanged g) {
              ctx.getLog().warn("node {} GPU {} health {} -> {}: {}", name, g.gpu(), g.from(), g.to(), g.reason());
            } else if (e instanceof NodeHealthChanged n) {
              ctx.getLog().warn("node {} health {} -> {}: {}", name, n.from(), n.to(), n.reason());
            } else if (e instanceof NodeCordonedAutomatically c) {
              ctx.getLog().warn("node {} cordoned automatically: {}", name, c.reason());
            }
          }
          // The scheduler first, so the restarted gangs are never placed back on the faulty GPUs.
          publish(ns);
          stopOnUnhealthyGpus(ns);
        })
        .thenNoReply();
  }

  /**
   * Asks the job of every replica running on an unhealthy GPU to stop its gang (at least once: again
   * every other tick until the job answers).
   */
  private void stopOnUnhealthyGpus(State s) {
    List<Integer> unhealthy = s.health().unhealthyGpus();
    if (unhealthy.isEmpty()) return;
    for (ReplicaAssignment a : s.assignments().values()) {
      if (a.desired() != DesiredPhase.RUN || gpuFaultsAcked.contains(a.allocationId())) continue;
      ReplicaStatus st = actual.get(a.allocationId());
      if (st != null && st.terminal()) continue;
      Integer bad = a.gpuIndices().stream().filter(unhealthy::contains).findFirst().orElse(null);
      if (bad == null) continue;
      String reason = HealthDecisions.replicaStopReason(s, bad);
      ctx.pipeToSelf(AskPattern.<JobEntity.Command, Done>ask(peers.job(a.jobId()), r -> new JobEntity.GpuFailed(a.allocationId(), reason, r),
              settings.askTimeout(), ctx.getSystem().scheduler()),
          (ok, failure) -> failure == null ? new GpuFaultAcked(a.allocationId()) : Tick.INSTANCE);
    }
  }

  private void onReplicaStatus(State s, ReplicaStatus st) {
    if (st == null || st.allocationId() == null) return;
    if (!s.assignments().containsKey(st.allocationId())) return;
    ReplicaStatus previous = actual.put(st.allocationId(), st);
    if (st.equals(previous)) return;
    softChanged = true;
    unacknowledged.put(st.allocationId(), st);
    forward(s.assignments().get(st.allocationId()), st);
  }

  private void forward(ReplicaAssignment a, ReplicaStatus st) {
    ctx.pipeToSelf(AskPattern.<JobEntity.Command, Done>ask(peers.job(a.jobId()), r -> new JobEntity.ReplicaReport(name, st, r),
            settings.askTimeout(), ctx.getSystem().scheduler()),
        (ok, failure) -> failure == null ? new ReportAcked(st.allocationId(), st) : Tick.INSTANCE);
  }

  private ReplyEffect<Event, State> onAssign(State s, Assign c) {
    Instant now = clock.instant();
    List<Event> events = new ArrayList<>();
    for (ReplicaAssignment r : c.replicas()) {
      if (!s.assignments().containsKey(r.allocationId())) events.add(new ReplicaAssigned(name, r, now));
    }
    if (events.isEmpty()) return Effect().reply(c.replyTo(), Done.getInstance());
    return Effect()
        .persist(events)
        .thenRun(DroverMetrics.journalWrite("node"))
        .thenRun(ns -> {
          pushDesired(ns);
          if (!ns.ready()) {
            // Placed just as the node was lost: its replicas can never start here.
            for (ReplicaAssignment r : c.replicas()) reportLost(ns, r, "node " + name + " is not ready");
          }
        })
        .thenReply(c.replyTo(), ns -> Done.getInstance());
  }

  private ReplyEffect<Event, State> onStop(State s, Stop c) {
    Instant now = clock.instant();
    List<Event> events = new ArrayList<>();
    for (String id : c.allocationIds()) {
      ReplicaAssignment r = s.assignments().get(id);
      if (r != null && r.desired() != DesiredPhase.STOP) events.add(new ReplicaStopRequested(name, id, c.reason(), now));
    }
    if (events.isEmpty()) {
      if (!s.ready()) for (String id : c.allocationIds()) {
        ReplicaAssignment r = s.assignments().get(id);
        if (r != null) reportLost(s, r, "node " + name + " is not ready");
      }
      return Effect().reply(c.replyTo(), Done.getInstance());
    }
    return Effect()
        .persist(events)
        .thenRun(DroverMetrics.journalWrite("node"))
        .thenRun(ns -> {
          pushDesired(ns);
          if (!ns.ready()) for (String id : c.allocationIds()) {
            ReplicaAssignment r = ns.assignments().get(id);
            if (r != null) reportLost(ns, r, "node " + name + " is not ready");
          }
        })
        .thenReply(c.replyTo(), ns -> Done.getInstance());
  }

  private ReplyEffect<Event, State> onRelease(State s, Release c) {
    List<String> known = c.allocationIds().stream().filter(s.assignments()::containsKey).toList();
    if (known.isEmpty()) return Effect().reply(c.replyTo(), Done.getInstance());
    return Effect()
        .persist(new ReplicasReleased(name, known, clock.instant()))
        .thenRun(DroverMetrics.journalWrite("node"))
        .thenRun(ns -> {
          known.forEach(id -> {
            actual.remove(id);
            unacknowledged.remove(id);
            evictionsAcked.remove(id);
            gpuFaultsAcked.remove(id);
          });
          pushDesired(ns);
          publish(ns);
        })
        .thenReply(c.replyTo(), ns -> Done.getInstance());
  }

  private ReplyEffect<Event, State> onCordon(State s, Cordon c) {
    if (!s.registered()) return Effect().reply(c.replyTo(), new Result(null, "no node " + name));
    // An operator's cordon over an automatic one makes it the operator's: Drover no longer lifts it.
    if (s.cordoned() && !s.health().autoCordoned()) return Effect().reply(c.replyTo(), ok(s));
    return Effect()
        .persist(new NodeCordoned(name, c.by(), c.reason(), clock.instant()))
        .thenRun(DroverMetrics.journalWrite("node"))
        .thenRun(this::publish)
        .thenReply(c.replyTo(), this::ok);
  }

  private ReplyEffect<Event, State> onUncordon(State s, Uncordon c) {
    if (!s.registered()) return Effect().reply(c.replyTo(), new Result(null, "no node " + name));
    if (!s.cordoned() && !s.draining()) return Effect().reply(c.replyTo(), ok(s));
    return Effect()
        .persist(new NodeUncordoned(name, c.by(), clock.instant()))
        .thenRun(DroverMetrics.journalWrite("node"))
        .thenRun(this::publish)
        .thenReply(c.replyTo(), this::ok);
  }

  private ReplyEffect<Event, State> onDrain(State s, Drain c) {
    if (!s.registered()) return Effect().reply(c.replyTo(), new Result(null, "no node " + name));
    if (s.draining()) return Effect().reply(c.replyTo(), ok(s));
    return Effect()
        .persist(new NodeDrainStarted(name, c.by(), c.reason(), clock.instant()))
        .thenRun(DroverMetrics.journalWrite("node"))
        .thenRun(ns -> {
          publish(ns);
          evict(ns);
        })
        .thenReply(c.replyTo(), this::ok);
  }

  private void evict(State s) {
    for (ReplicaAssignment a : s.assignments().values()) {
      if (a.desired() != DesiredPhase.RUN || evictionsAcked.contains(a.allocationId())) continue;
      ReplicaStatus st = actual.get(a.allocationId());
      if (st != null && st.terminal()) continue;
      String reason = "node " + name + " is draining" + (s.cordonReason() == null ? "" : ": " + s.cordonReason());
      ctx.pipeToSelf(AskPattern.<JobEntity.Command, Done>ask(peers.job(a.jobId()), r -> new JobEntity.Evict(a.allocationId(), reason, r),
              settings.askTimeout(), ctx.getSystem().scheduler()),
          (ok, failure) -> failure == null ? new EvictionAcked(a.allocationId()) : Tick.INSTANCE);
    }
  }

  private ReplyEffect<Event, State> onReadLog(State s, ReadLog c) {
    if (session == null) {
      c.replyTo().tell(new AgentMessage.LogChunk(null, c.allocationId(), c.offset(), c.offset(), "", false,
          "the agent of node " + name + " is not connected"));
    } else {
      session.tell(new AgentSession.ReadLog(c.allocationId(), c.offset(), c.maxBytes(), c.replyTo()));
    }
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onTick(State s, Tick c) {
    ticks++;
    if (!s.registered()) return Effect().noReply();
    for (Map.Entry<String, ReplicaStatus> e : new ArrayList<>(unacknowledged.entrySet())) {
      ReplicaAssignment a = s.assignments().get(e.getKey());
      if (a == null) unacknowledged.remove(e.getKey());
      else if (ticks % 2 == 0) forward(a, e.getValue());
    }
    if (s.draining() && ticks % 2 == 0) evict(s);
    if (ticks % 2 == 0) stopOnUnhealthyGpus(s);
    NodeUncordonedAutomatically uncordon = HealthDecisions.uncordonDue(s, clock.instant(), settings.health());
    if (uncordon != null) {
      return Effect()
          .persist(uncordon)
          .thenRun(DroverMetrics.journalWrite("node"))
          .thenRun(ns -> {
            ctx.getLog().info("node {} uncordoned automatically: {}", name, uncordon.reason());
            publish(ns);
          })
          .thenNoReply();
    }
    // Every second: a scheduler that just took over knows every node within a second. The node's
    // view is rebuilt only when something it shows changed (heartbeats change nothing but lastSeen,
    // refreshed every REFRESH_TICKS), so a quiet node costs one message to the scheduler per tick.
    Set<Integer> unusableNow = unusable(s);
    if (s != publishedState || softChanged || !unusableNow.equals(publishedUnusable)
        || ticks - directoryTick >= NodeDirectory.REFRESH_TICKS || publishedInfo == null) {
      publish(s, unusableNow);
    } else {
      peers.scheduler().tell(publishedInfo);
    }
    Duration silent = silence.tick(clock.instant());
    // After a freeze of this coordinator every agent looks silent: judge them only once settled.
    if (s.ready() && silent.compareTo(settings.nodeTimeout()) > 0 && PauseGuard.get(ctx.getSystem()).settled()) {
      String reason = "no message from the agent for " + silent.toSeconds() + "s (timeout " + settings.nodeTimeout().toSeconds() + "s)";
      return Effect()
          .persist(new NodeBecameNotReady(name, reason, clock.instant()))
          .thenRun(DroverMetrics.journalWrite("node"))
          .thenRun(ns -> {
            ctx.getLog().warn("node {} is NotReady: {}", name, reason);
            publish(ns);
            for (ReplicaAssignment a : ns.assignments().values()) reportLost(ns, a, "node " + name + " not ready: " + reason);
          })
          .thenNoReply();
    }
    return Effect().noReply();
  }

  private void reportLost(State s, ReplicaAssignment a, String message) {
    ReplicaStatus known = actual.get(a.allocationId());
    if (known != null && known.terminal()) return;
    Instant now = clock.instant();
    ReplicaStatus lost = new ReplicaStatus(a.allocationId(), a.jobId(), a.attempt(), a.rank(), ReplicaPhase.EXITED,
        known == null ? null : known.pid(), null, Termination.LOST, message, known == null ? null : known.startedAt(), now);
    actual.put(a.allocationId(), lost);
    softChanged = true;
    unacknowledged.put(a.allocationId(), lost);
    forward(a, lost);
  }

  private void pushDesired(State s) {
    if (session == null) return;
    long generation = lastSequenceNumber(ctx);
    session.tell(new AgentSession.Send(new CoordinatorMessage.DesiredState(generation, List.copyOf(s.assignments().values()))));
  }

  private void publish(State s) {
    publish(s, unusable(s));
  }

  private void publish(State s, Set<Integer> unusable) {
    if (!s.registered()) return;
    publishedState = s;
    publishedUnusable = unusable;
    softChanged = false;
    publishToDirectory(s, unusable);
    NodeInventory inv = s.inventory();
    publishedInfo = new SchedulerSingleton.NodeUpdated(new SchedulerSingleton.NodeInfo(name, s.address(), s.ready(), s.cordoned(),
        s.draining(), inv.gpus(), inv.cpus(), inv.memoryBytes(), inv.labels(), inv.portRangeStart(), inv.portRangeEnd(),
        unusable));
    peers.scheduler().tell(publishedInfo);
  }

  /** Publishes the node's view when it changed (heartbeat times aside), and every few ticks regardless. */
  private void publishToDirectory(State s, Set<Integer> unusable) {
    dev.drover.protocol.api.NodeView v = dev.drover.coordinator.api.NodeViews.view(
        new View(s, session != null, lastSeen, telemetry, Map.copyOf(actual), unusable));
    dev.drover.protocol.api.NodeView key = withoutLastSeen(v);
    if (key.equals(directoryView) && ticks - directoryTick < NodeDirectory.REFRESH_TICKS) return;
    directoryView = key;
    directoryTick = ticks;
    NodeDirectory.get(ctx.getSystem()).publish(v);
  }

  private static dev.drover.protocol.api.NodeView withoutLastSeen(dev.drover.protocol.api.NodeView v) {
    return new dev.drover.protocol.api.NodeView(v.name(), v.address(), v.status(), v.schedulable(), v.cordoned(), v.draining(),
        v.cordonReason(), v.backend(), v.driverVersion(), v.agentVersion(), v.cpus(), v.memoryBytes(), v.labels(), v.gpuCount(),
        v.gpusAllocated(), v.gpus(), v.allocations(), v.registeredAt(), null, v.health(), v.autoCordoned(), v.gpusUnhealthy());
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(State::apply);
  }
}
