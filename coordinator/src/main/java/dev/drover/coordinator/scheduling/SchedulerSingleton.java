package dev.drover.coordinator.scheduling;

import dev.drover.coordinator.PauseGuard;
import dev.drover.coordinator.metrics.DroverMetrics;
import dev.drover.coordinator.persistence.StoreFailures;
import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.drover.coordinator.CborSerializable;
import dev.drover.coordinator.DroverSettings;
import dev.drover.coordinator.Peers;
import dev.drover.coordinator.job.JobEntity;
import dev.drover.coordinator.job.ReplicaSlot;
import dev.drover.coordinator.queue.QueueRegistry;
import dev.drover.coordinator.scheduling.cycle.SchedulerProfile;
import dev.drover.coordinator.scheduling.cycle.SchedulingCycle;
import dev.drover.coordinator.scheduling.plugin.ExpectedRuntimeJobOrder;
import dev.drover.coordinator.scheduling.plugin.RuntimeHistory;
import dev.drover.coordinator.scheduling.model.ClusterSnapshot;
import dev.drover.coordinator.scheduling.model.PlacementStrategy;
import dev.drover.coordinator.scheduling.model.Preemption;
import dev.drover.coordinator.scheduling.model.QueueView;
import dev.drover.coordinator.scheduling.model.RunningJob;
import dev.drover.coordinator.scheduling.model.SchedulerConfig;
import dev.drover.coordinator.scheduling.model.Feasibility;
import dev.drover.coordinator.scheduling.model.GpuSlot;
import dev.drover.coordinator.scheduling.model.NodeView;
import dev.drover.coordinator.scheduling.model.PendingJob;
import dev.drover.coordinator.scheduling.model.PendingReason;
import dev.drover.coordinator.scheduling.model.Placement;
import dev.drover.coordinator.scheduling.model.Plan;
import dev.drover.coordinator.scheduling.model.ReplicaPlacement;
import dev.drover.protocol.agent.GpuDevice;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.SingletonActor;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * The scheduler: a cluster singleton whose journal is the allocation ledger.
 *
 * <p>Each cycle takes an immutable snapshot (nodes as their NodeEntities last published them, GPUs
 * held per the ledger, waiting jobs), runs the pure {@link SchedulingCycle}, persists every
 * placement it decided, and only then tells the jobs, at least once. GPUs go back to the pool
 * when a job releases its attempt. Nodes and pending reasons are soft state, rebuilt from the
 * NodeEntities' periodic updates after a failover.
 */
public final class SchedulerSingleton
    extends EventSourcedBehaviorWithEnforcedReplies<SchedulerSingleton.Command, SchedulerSingleton.Event, SchedulerSingleton.State> {

  // ---------------------------------------------------------------- commands

  public sealed interface Command extends CborSerializable {}

  /** What a waiting job needs; enqueued by its JobEntity for each attempt. */
  public record QueuedJob(
      String jobId,
      int attempt,
      String queue,
      int priority,
      Instant submittedAt,
      int replicas,
      int gpusPerReplica,
      double cpusPerReplica,
      long memoryPerReplica,
      boolean preemptible,
      Long maxRuntimeMillis,
      Map<String, String> requireLabels,
      Map<String, String> preferLabels,
      String strategy,
      String jobName)
      implements CborSerializable {}

  public record Enqueue(QueuedJob job, ActorRef<Done> replyTo) implements Command {}

  /**
   * Forget the job's attempt: waiting or placed, its GPUs go back to the pool.
   *
   * @param completedRuntimeMillis how long the attempt ran when it succeeded (the scheduler learns
   *     expected runtimes from these); null when it did not complete
   */
  public record Release(String jobId, int attempt, Long completedRuntimeMillis, ActorRef<Done> replyTo) implements Command {}

  /** A JobEntity's answer to a placement: accepted, or refused (cancelled meanwhile, attempt over). */
  public record PlacementAnswer(String jobId, int attempt, boolean accepted) implements Command {}

  /**
   * What a node offers and whether it may take work, published by its NodeEntity.
   *
   * @param unusableGpus indices of GPUs that must get no work: unhealthy, or healthy again too
   *     recently (see drover.health.gpu-recovery-hold)
   */
  public record NodeInfo(
      String name,
      String address,
      boolean ready,
      boolean cordoned,
      boolean draining,
      List<GpuDevice> gpus,
      int cpus,
      long memoryBytes,
      Map<String, String> labels,
      int portRangeStart,
      int portRangeEnd,
      Set<Integer> unusableGpus)
      implements CborSerializable {
    public NodeInfo {
      unusableGpus = unusableGpus == null ? Set.of() : Set.copyOf(unusableGpus);
    }
  }

  public record NodeUpdated(NodeInfo node) implements Command {}

  public record GetPendingReasons(List<String> jobIds, ActorRef<PendingReasons> replyTo) implements Command {}

  public record PendingReasons(Map<String, PendingReason> reasons) implements CborSerializable {}

  public record CheckFeasibility(
      int replicas, int gpusPerReplica, double cpusPerReplica, long memoryPerReplica, ActorRef<FeasibilityAnswer> replyTo)
      implements Command {}

  /** Whether a gang can ever fit the registered cluster; reason says why not. */
  public record FeasibilityAnswer(boolean feasible, String reason, String field) implements CborSerializable {}

  public record GetNodeNames(ActorRef<NodeNames> replyTo) implements Command {}

  /** The queues as the registry last published them (soft state, republished every few seconds). */
  public record QueuesUpdated(List<QueueRegistry.Queue> queues) implements Command {}

  public record GetQueueUsage(ActorRef<QueueUsage> replyTo) implements Command {}

  /** What one queue holds and waits for, counting its own jobs only (not its children's). */
  public record Usage(int gpusAllocated, int runningJobs, int pendingJobs) implements CborSerializable {}

  public record QueueUsage(Map<String, Usage> byQueue, int clusterGpus) implements CborSerializable {}

  public record NodeNames(List<String> names) implements CborSerializable {}

  private enum RunCycle implements Command {
    INSTANCE
  }

  private record PreemptionAcked(String allocationKey) implements Command {}

  /** Persist the enqueues and releases received since the last ledger write, in one write. */
  private enum FlushWrites implements Command {
    INSTANCE
  }

  /** Every NodeEntity publishes itself at least this often (NodeEntity's tick). */
  private static final Duration NODES_REPUBLISHED = Duration.ofSeconds(3);

  private enum Tick implements Command {
    INSTANCE
  }

  // ---------------------------------------------------------------- events

  public sealed interface Event extends CborSerializable {}

  public record JobQueued(QueuedJob job, Instant at) implements Event {}

  /** A placement decided by a cycle: the GPUs are the job's from now on. */
  public record PlacementCommitted(Allocation allocation, Instant at) implements Event {}

  public record JobReleased(String jobId, int attempt, Long completedRuntimeMillis, Instant at) implements Event {}

  /** A cycle decided to stop this attempt for another job (priority) or for its queue's guarantee (reclaim). */
  public record PreemptionDecided(
      String victimJobId, int victimAttempt, String forJobId, String reasonCode, String message, Instant at)
      implements Event {}

  /** How long one succeeded attempt ran, for learning expected runtimes (never the waiting job's own). */
  public record RuntimeSample(String queue, long gpus, String jobName, long runtimeMillis) implements CborSerializable {}

  /** One past preemption of a job: by whom and when (thrash guards read these). */
  public record PreemptionRecord(String forJobId, Instant at) implements CborSerializable {}

  /** GPUs held by one attempt of one job, per the ledger. */
  public record Allocation(
      String jobId,
      int attempt,
      List<ReplicaSlot> slots,
      String masterNode,
      String masterAddr,
      int masterPort,
      int numNodes,
      double cpusPerReplica,
      long memoryPerReplica,
      String queue,
      int priority,
      Instant placedAt,
      boolean preemptible,
      Long maxRuntimeMillis,
      String jobName)
      implements CborSerializable {

    @JsonIgnore
    public String key() {
      return jobId + "/" + attempt;
    }
  }

  // ---------------------------------------------------------------- state

  /**
   * The ledger: waiting jobs by id, allocations by job/attempt, attempts being preempted, and each
   * job's recent preemptions (kept a day, for the per-hour cap and "never preempt your preemptor").
   */
  public record State(
      Map<String, QueuedJob> pending,
      Map<String, Allocation> allocations,
      Set<String> terminating,
      Map<String, List<PreemptionRecord>> preemptions,
      List<RuntimeSample> runtimes)
      implements CborSerializable {

    /** How many recent runtimes the ledger keeps to learn from. */
    static final int RUNTIME_SAMPLES = 5000;

    public State {
      terminating = terminating == null ? Set.of() : terminating;
      preemptions = preemptions == null ? Map.of() : preemptions;
      runtimes = runtimes == null ? List.of() : runtimes;
    }

    /** The ledger before its first event. */
    public static State empty() {
      return new State(Map.of(), Map.of(), Set.of(), Map.of(), List.of());
    }

    /** The ledger after {@code event}; the only way its state changes, in recovery exactly as live. */
    public State apply(Event event) {
      if (event instanceof JobQueued e) {
        Map<String, QueuedJob> p = new HashMap<>(pending);
        p.put(e.job().jobId(), e.job());
        return new State(p, allocations, terminating, preemptions, runtimes);
      } else if (event instanceof PlacementCommitted e) {
        Map<String, QueuedJob> p = new HashMap<>(pending);
        QueuedJob q = p.get(e.allocation().jobId());
        if (q != null && q.attempt() == e.allocation().attempt()) p.remove(q.jobId());
        Map<String, Allocation> a = new HashMap<>(allocations);
        a.put(e.allocation().key(), e.allocation());
        return new State(p, a, terminating, preemptions, runtimes);
      } else if (event instanceof JobReleased e) {
        Map<String, QueuedJob> p = new HashMap<>(pending);
        QueuedJob q = p.get(e.jobId());
        if (q != null && q.attempt() == e.attempt()) p.remove(e.jobId());
        Map<String, Allocation> a = new HashMap<>(allocations);
        String key = e.jobId() + "/" + e.attempt();
        Allocation released = a.remove(key);
        Set<String> t = new HashSet<>(terminating);
        t.remove(key);
        List<RuntimeSample> r = runtimes;
        if (released != null && e.completedRuntimeMillis() != null && e.completedRuntimeMillis() >= 0) {
          long gpus = released.slots().stream().mapToLong(x -> x.gpuIndices().size()).sum();
          List<RuntimeSample> next = new ArrayList<>(runtimes);
          next.add(new RuntimeSample(queueOf(released.queue()), gpus, released.jobName(), e.completedRuntimeMillis()));
          if (next.size() > RUNTIME_SAMPLES) next = next.subList(next.size() - RUNTIME_SAMPLES, next.size());
          r = List.copyOf(next);
        }
        return new State(p, a, t, preemptions, r);
      } else if (event instanceof PreemptionDecided e) {
        Set<String> t = new HashSet<>(terminating);
        t.add(e.victimJobId() + "/" + e.victimAttempt());
        Map<String, List<PreemptionRecord>> h = new HashMap<>(preemptions);
        List<PreemptionRecord> list = new ArrayList<>(h.getOrDefault(e.victimJobId(), List.of()));
        list.add(new PreemptionRecord(e.forJobId(), e.at()));
        Instant horizon = e.at().minus(Duration.ofDays(1));
        list.removeIf(r -> r.at().isBefore(horizon));
        h.put(e.victimJobId(), List.copyOf(list));
        return new State(pending, allocations, t, h, runtimes);
      }
      throw new IllegalStateException("unknown event " + event);
    }
  }

  // ---------------------------------------------------------------- setup

  /** The ledger's journal: one for the whole cluster. */
  public static final PersistenceId PERSISTENCE_ID = PersistenceId.ofUniqueId("scheduler-ledger");

  /** A snapshot every 500 events, the last two kept: recovery replays at most 499 events after one. */
  public static final RetentionCriteria RETENTION = RetentionCriteria.snapshotEvery(500, 2);

  private static final Map<ActorSystem<?>, ActorRef<Command>> PROXIES = new ConcurrentHashMap<>();

  public static ActorRef<Command> init(ActorSystem<?> system, DroverSettings settings) {
    return PROXIES.computeIfAbsent(system, s -> ClusterSingleton.get(s).init(
        SingletonActor.of(
                Behaviors.supervise(create(settings, Peers.cluster(system)))
                    .onFailure(SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.2)),
                "scheduler")
            .withStopMessage(Passivate.INSTANCE)));
  }

  /** The proxy to the singleton, wherever in the cluster it runs. */
  public static ActorRef<Command> proxy(ActorSystem<?> system) {
    ActorRef<Command> p = PROXIES.get(system);
    if (p == null) throw new IllegalStateException("SchedulerSingleton.init was not called");
    return p;
  }

  private enum Passivate implements Command {
    INSTANCE
  }

  public static Behavior<Command> create(DroverSettings settings, Peers peers) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(t -> new SchedulerSingleton(settings, peers, ctx, t, Clock.systemUTC())));
  }

  private final DroverSettings settings;
  /** The production cycle: learnt expected runtimes with aging order jobs within a priority and queue. */
  private final SchedulingCycle cycle =
      new SchedulingCycle(SchedulerProfile.defaults().withJobOrder(new ExpectedRuntimeJobOrder()), SchedulingCycle.defaults().actions());
  private final Peers peers;
  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  private final Clock clock;

  // Soft state.
  private final Map<String, NodeInfo> nodes = new TreeMap<>();
  private final PauseGuard pauseGuard;
  /** When this incarnation started: nodes re-publish within seconds, until then the node list is partial. */
  private final Instant startedAt;
  private Map<String, QueueRegistry.Queue> queues = new TreeMap<>();
  private Map<String, PendingReason> reasons = new HashMap<>();
  /** Placements told to their job but not yet answered, with the time they were last sent. */
  private final Map<String, Instant> unanswered = new HashMap<>();
  /** Preemptions told to their victim but not yet acknowledged, by allocation key. */
  private final Map<String, Instant> unansweredPreemptions = new HashMap<>();
  /** Why each pending preemption was decided, to tell the victim (soft; rebuilt as a generic reason). */
  private final Map<String, String> preemptionReasons = new HashMap<>();
  private boolean cycleScheduled;
  private RuntimeHistory history = new RuntimeHistory();
  /** The ledger's sample list {@link #history} was built from (lists are replaced, never changed). */
  private List<RuntimeSample> historySamples = List.of();
  private boolean dirty = true;

  private SchedulerSingleton(
      DroverSettings settings, Peers peers, ActorContext<Command> ctx, TimerScheduler<Command> timers, Clock clock) {
    super(PERSISTENCE_ID, StoreFailures.restartWithBackoff());
    this.settings = settings;
    this.peers = peers;
    this.ctx = ctx;
    this.timers = timers;
    this.clock = clock;
    this.pauseGuard = PauseGuard.get(ctx.getSystem());
    this.startedAt = clock.instant();
  }

  @Override
  public State emptyState() {
    return State.empty();
  }

  /**
   * On Cassandra the ledger has a journal plugin of its own without events-by-tag: the ledger is
   * never queried by tag, and the plugin's tag bookkeeping would re-read every event since its last
   * progress record on each recovery (measured: 31 s after a burst of 1M decisions, instead of 0.5 s).
   * Same keyspace and tables as every other entity.
   */
  @Override
  public String journalPluginId() {
    return settings.persistenceMode() == DroverSettings.PersistenceMode.CASSANDRA ? LEDGER_JOURNAL : "";
  }

  static final String LEDGER_JOURNAL = "drover.ledger-cassandra.journal";

  @Override
  public RetentionCriteria retentionCriteria() {
    return RETENTION;
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> {
          ctx.getLog().info("scheduler ledger recovered: {} waiting, {} allocations", state.pending().size(), state.allocations().size());
          // Every allocation is re-offered to its job once: a job that moved on while the
          // previous scheduler incarnation was down refuses, and the GPUs are released.
          for (String key : state.allocations().keySet()) unanswered.put(key, Instant.EPOCH);
          // Preemptions decided before a failover are told to their victims again (idempotent).
          for (String key : state.terminating()) unansweredPreemptions.put(key, Instant.EPOCH);
          timers.startTimerWithFixedDelay(Tick.INSTANCE, settings.schedulerInterval());
        })
        .build();
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Enqueue.class, this::onEnqueue)
        .onCommand(Release.class, this::onRelease)
        .onCommand(PlacementAnswer.class, this::onAnswer)
        .onCommand(NodeUpdated.class, this::onNodeUpdated)
        .onCommand(GetPendingReasons.class, this::onGetReasons)
        .onCommand(CheckFeasibility.class, this::onCheckFeasibility)
        .onCommand(GetNodeNames.class, (s, c) -> Effect().reply(c.replyTo(), new NodeNames(List.copyOf(nodes.keySet()))))
        .onCommand(QueuesUpdated.class, this::onQueuesUpdated)
        .onCommand(GetQueueUsage.class, this::onGetQueueUsage)
        .onCommand(RunCycle.class, this::onRunCycle)
        .onCommand(FlushWrites.class, this::onFlush)
        .onCommand(PreemptionAcked.class, (s, c) -> {
          unansweredPreemptions.remove(c.allocationKey());
          return Effect().noReply();
        })
        .onCommand(Tick.class, this::onTick)
        .onCommand(Passivate.class, (s, c) -> Effect().stop().thenNoReply())
        .build();
  }

  /*
   * Group commit. An enqueue or a release is not persisted on its own: it joins the batch and the
   * batch is written by the FlushWrites that follows it in the mailbox. While a ledger write is in
   * flight Pekko stashes every command, and unstashes them all before the next mailbox message, so
   * everything that arrived during one write goes into the next one: one write per ledger
   * round trip instead of one per job. Each command is still answered only after its event is
   * durable, and the batch is decided in arrival order exactly as one command at a time would be.
   */
  private final List<Command> writeBatch = new ArrayList<>();
  private boolean flushScheduled;

  private ReplyEffect<Event, State> onEnqueue(State s, Enqueue c) {
    return batch(c);
  }

  private ReplyEffect<Event, State> onRelease(State s, Release c) {
    return batch(c);
  }

  private ReplyEffect<Event, State> batch(Command c) {
    writeBatch.add(c);
    if (!flushScheduled) {
      flushScheduled = true;
      ctx.getSelf().tell(FlushWrites.INSTANCE);
    }
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onFlush(State s, FlushWrites c) {
    flushScheduled = false;
    if (writeBatch.isEmpty()) return Effect().noReply();
    List<Command> batch = List.copyOf(writeBatch);
    writeBatch.clear();
    // What the batch's earlier events did to the ledger, for the later commands' checks.
    Map<String, QueuedJob> queuedNow = new HashMap<>(); // job id -> queued in this batch, or null: released in it
    Set<String> releasedNow = new HashSet<>();
    List<Event> events = new ArrayList<>();
    List<Release> released = new ArrayList<>();
    Instant now = clock.instant();
    for (Command cmd : batch) {
      if (cmd instanceof Enqueue e) {
        QueuedJob q = e.job();
        QueuedJob waiting = queuedNow.containsKey(q.jobId()) ? queuedNow.get(q.jobId()) : s.pending().get(q.jobId());
        String key = q.jobId() + "/" + q.attempt();
        boolean known = (waiting != null && waiting.attempt() >= q.attempt())
            || (!releasedNow.contains(key) && s.allocations().containsKey(key));
        if (known) continue;
        events.add(new JobQueued(q, now));
        queuedNow.put(q.jobId(), q);
      } else if (cmd instanceof Release r) {
        QueuedJob waiting = queuedNow.containsKey(r.jobId()) ? queuedNow.get(r.jobId()) : s.pending().get(r.jobId());
        String key = r.jobId() + "/" + r.attempt();
        boolean waitingAttempt = waiting != null && waiting.attempt() == r.attempt();
        boolean held = (!releasedNow.contains(key) && s.allocations().containsKey(key)) || waitingAttempt;
        if (!held) continue;
        events.add(new JobReleased(r.jobId(), r.attempt(), r.completedRuntimeMillis(), now));
        releasedNow.add(key);
        if (waitingAttempt) queuedNow.put(r.jobId(), null);
        released.add(r);
      }
    }
    if (events.isEmpty()) return Effect().none().thenRun(ns -> answer(batch)).thenNoReply();
    return Effect()
        .persist(events)
        .thenRun(DroverMetrics.journalWrite("scheduler"))
        .thenRun(ns -> {
          for (Release r : released) {
            String key = r.jobId() + "/" + r.attempt();
            unanswered.remove(key);
            unansweredPreemptions.remove(key);
            preemptionReasons.remove(key);
            reasons.remove(r.jobId());
          }
          requestCycle();
          answer(batch);
        })
        .thenNoReply();
  }

  private static void answer(List<Command> batch) {
    for (Command cmd : batch) {
      if (cmd instanceof Enqueue e) e.replyTo().tell(Done.getInstance());
      else if (cmd instanceof Release r) r.replyTo().tell(Done.getInstance());
    }
  }

  private ReplyEffect<Event, State> onAnswer(State s, PlacementAnswer c) {
    String key = c.jobId() + "/" + c.attempt();
    unanswered.remove(key);
    if (c.accepted() || !s.allocations().containsKey(key)) return Effect().noReply();
    ctx.getLog().info("job {} refused placement of attempt {}; releasing its GPUs", c.jobId(), c.attempt());
    return Effect()
        .persist(new JobReleased(c.jobId(), c.attempt(), null, clock.instant()))
        .thenRun(DroverMetrics.journalWrite("scheduler"))
        .thenRun(ns -> requestCycle())
        .thenNoReply();
  }

  private ReplyEffect<Event, State> onNodeUpdated(State s, NodeUpdated c) {
    NodeInfo previous = nodes.put(c.node().name(), c.node());
    if (!c.node().equals(previous)) requestCycle();
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onQueuesUpdated(State s, QueuesUpdated c) {
    Map<String, QueueRegistry.Queue> next = new TreeMap<>();
    for (QueueRegistry.Queue q : c.queues()) next.put(q.name(), q);
    if (!next.equals(queues)) {
      ctx.getLog().info("queues now {}", next.keySet());
      queues = next;
      requestCycle();
    }
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onGetQueueUsage(State s, GetQueueUsage c) {
    Map<String, int[]> counts = new TreeMap<>();
    for (Allocation a : s.allocations().values()) {
      int[] u = counts.computeIfAbsent(queueOf(a.queue()), k -> new int[3]);
      for (ReplicaSlot r : a.slots()) u[0] += r.gpuIndices().size();
      u[1]++;
    }
    for (QueuedJob q : s.pending().values()) counts.computeIfAbsent(queueOf(q.queue()), k -> new int[3])[2]++;
    Map<String, Usage> out = new TreeMap<>();
    counts.forEach((k, v) -> out.put(k, new Usage(v[0], v[1], v[2])));
    int gpus = nodes.values().stream().mapToInt(n -> n.gpus().size()).sum();
    return Effect().reply(c.replyTo(), new QueueUsage(out, gpus));
  }

  private static String queueOf(String q) {
    return q == null ? QueueRegistry.DEFAULT_QUEUE : q;
  }

  private ReplyEffect<Event, State> onGetReasons(State s, GetPendingReasons c) {
    Map<String, PendingReason> out = new HashMap<>();
    if (c.jobIds() == null) out.putAll(reasons);
    else for (String id : c.jobIds()) {
      PendingReason r = reasons.get(id);
      if (r != null) out.put(id, r);
    }
    return Effect().reply(c.replyTo(), new PendingReasons(out));
  }

  private ReplyEffect<Event, State> onCheckFeasibility(State s, CheckFeasibility c) {
    Feasibility f = Feasibility.check(c.replicas(), c.gpusPerReplica(), c.cpusPerReplica(), c.memoryPerReplica(),
        snapshotNodes(s));
    if (!f.feasible() && Duration.between(startedAt, clock.instant()).compareTo(NODES_REPUBLISHED) < 0) {
      // Just took over: not every node has told this incarnation about itself yet. Never refuse on a partial view.
      return Effect().reply(c.replyTo(), new FeasibilityAnswer(true, null, null));
    }
    return Effect().reply(c.replyTo(), new FeasibilityAnswer(f.feasible(), f.message(), f.feasible() ? null : fieldOf(f.limit())));
  }

  /** The job spec field a never-fits answer is about, as a JSON pointer. */
  static String fieldOf(Feasibility.Limit limit) {
    return switch (limit) {
      case GPUS_PER_REPLICA -> "/resources/gpus";
      case CPUS_PER_REPLICA -> "/resources/cpus";
      case MEMORY_PER_REPLICA -> "/resources/memory";
      case REQUIRED_LABELS -> "/placement/requireLabels";
      case GANG, NONE -> "/replicas";
    };
  }

  private ReplyEffect<Event, State> onTick(State s, Tick c) {
    Instant now = clock.instant();
    if (!pauseGuard.settled()) return Effect().noReply();
    for (Map.Entry<String, Instant> e : unanswered.entrySet()) {
      if (Duration.between(e.getValue(), now).compareTo(settings.redeliveryInterval()) >= 0) {
        Allocation a = s.allocations().get(e.getKey());
        if (a != null) offer(a);
        e.setValue(now);
      }
    }
    unanswered.keySet().retainAll(s.allocations().keySet());
    unansweredPreemptions.keySet().retainAll(s.terminating());
    for (Map.Entry<String, Instant> e : unansweredPreemptions.entrySet()) {
      if (Duration.between(e.getValue(), now).compareTo(settings.redeliveryInterval()) >= 0) {
        Allocation a = s.allocations().get(e.getKey());
        if (a != null) preempt(a, preemptionReasons.getOrDefault(e.getKey(), "preempted by the scheduler"));
        e.setValue(now);
      }
    }
    if (!s.pending().isEmpty()) dirty = true;
    if (dirty) requestCycle();
    return Effect().noReply();
  }

  private void requestCycle() {
    dirty = true;
    if (!cycleScheduled) {
      cycleScheduled = true;
      ctx.getSelf().tell(RunCycle.INSTANCE);
    }
  }

  private ReplyEffect<Event, State> onRunCycle(State s, RunCycle c) {
    cycleScheduled = false;
    if (!dirty) return Effect().noReply();
    if (!pauseGuard.settled()) {
      // This coordinator was frozen: another one may run the scheduler by now. Decide nothing
      // until cluster membership has settled (if we were downed, we are shut down before that).
      ctx.getLog().warn("this coordinator was frozen recently; scheduling waits until cluster membership settles");
      return Effect().noReply();
    }
    dirty = false;
    if (s.pending().isEmpty()) {
      reasons = new HashMap<>();
      return Effect().noReply();
    }
    Instant now = clock.instant();
    RuntimeHistory history = runtimeHistory(s);
    List<PendingJob> pending = new ArrayList<>();
    for (QueuedJob q : s.pending().values()) {
      PendingJob job = pendingJob(s, q);
      pending.add(job.withExpectedRuntime(history.estimate(job.queue(), job.totalGpus(), q.jobName()).orElse(null)));
    }
    pending.sort(Comparator.comparing(PendingJob::jobId));
    List<RunningJob> running = new ArrayList<>();
    for (Allocation a : s.allocations().values()) running.add(runningJob(s, a, now));
    running.sort(Comparator.comparing(RunningJob::jobId).thenComparingInt(RunningJob::attempt));
    List<QueueView> queueViews = new ArrayList<>();
    for (QueueRegistry.Queue q : queues.values()) {
      queueViews.add(new QueueView(q.name(), q.parent(), q.guaranteedGpus(), q.weight(), q.borrowLimitGpus()));
    }
    SchedulerConfig config = new SchedulerConfig(settings.minRuntimeBeforePreemption(), settings.maxPreemptionsPerJobPerHour(),
        settings.backfill(), settings.preemption());
    long started = System.nanoTime();
    Plan plan = cycle.plan(new ClusterSnapshot(snapshotNodes(s), pending, now, running, queueViews, config));
    long nanos = System.nanoTime() - started;
    long micros = nanos / 1000;
    DroverMetrics.cycle(nanos);
    reasons = new HashMap<>(plan.pendingReasons());
    if (plan.placements().isEmpty() && plan.preemptions().isEmpty()) return Effect().noReply();
    List<Event> events = new ArrayList<>();
    for (Placement p : plan.placements()) {
      QueuedJob q = s.pending().get(p.jobId());
      events.add(new PlacementCommitted(toAllocation(p, q), now));
    }
    for (Preemption p : plan.preemptions()) {
      events.add(new PreemptionDecided(p.victimJobId(), p.victimAttempt(), p.forJobId(), p.reasonCode(), p.message(), now));
    }
    ctx.getLog().debug("cycle placed {} and preempted {} of {} waiting jobs in {} us", plan.placements().size(),
        plan.preemptions().size(), pending.size(), micros);
    // One batched ledger write per cycle; nothing is announced before it is durable.
    return Effect()
        .persist(events)
        .thenRun(DroverMetrics.journalWrite("scheduler"))
        .thenRun(ns -> {
          DroverMetrics.placements(plan.placements().size());
          for (Event e : events) {
            if (e instanceof PlacementCommitted pc) {
              unanswered.put(pc.allocation().key(), clock.instant());
              offer(pc.allocation());
            } else if (e instanceof PreemptionDecided pd) {
              String key = pd.victimJobId() + "/" + pd.victimAttempt();
              DroverMetrics.preemption(pd.reasonCode());
              ctx.getLog().info("preempting {} for {}: {}", key, pd.forJobId(), pd.message());
              preemptionReasons.put(key, pd.message());
              unansweredPreemptions.put(key, clock.instant());
              Allocation a = ns.allocations().get(key);
              if (a != null) preempt(a, pd.message());
            }
          }
        })
        .thenNoReply();
  }

  /**
   * The learnt runtimes, rebuilt only when the ledger's samples changed: a cycle runs on every submit,
   * and replaying thousands of samples each time would be work done over and over for nothing.
   */
  private RuntimeHistory runtimeHistory(State s) {
    if (s.runtimes() != historySamples) {
      RuntimeHistory h = new RuntimeHistory();
      for (RuntimeSample r : s.runtimes()) h.record(r.queue(), r.gpus(), r.jobName(), Duration.ofMillis(r.runtimeMillis()));
      history = h;
      historySamples = s.runtimes();
    }
    return history;
  }

  private PendingJob pendingJob(State s, QueuedJob q) {
    long seq = ChronoUnit.MICROS.between(Instant.EPOCH, q.submittedAt());
    Duration maxRuntime = q.maxRuntimeMillis() == null || q.maxRuntimeMillis() <= 0 ? null : Duration.ofMillis(q.maxRuntimeMillis());
    PlacementStrategy strategy = "spread".equals(q.strategy()) ? PlacementStrategy.SPREAD : PlacementStrategy.PACK;
    return new PendingJob(q.jobId(), q.attempt(), queueOf(q.queue()), q.priority(), seq, q.submittedAt(), q.replicas(),
        q.gpusPerReplica(), q.cpusPerReplica(), q.memoryPerReplica(), q.preemptible(), maxRuntime,
        q.requireLabels() == null ? Map.of() : q.requireLabels(), q.preferLabels() == null ? Map.of() : q.preferLabels(),
        strategy, preemptedBy(s, q.jobId()));
  }

  private RunningJob runningJob(State s, Allocation a, Instant now) {
    List<ReplicaPlacement> placements = new ArrayList<>();
    int gpusPerReplica = 0;
    for (ReplicaSlot r : a.slots()) {
      placements.add(new ReplicaPlacement(r.rank(), r.node(), r.gpuIndices(), r.nodeRank(), r.localRank(), r.localWorldSize()));
      gpusPerReplica = Math.max(gpusPerReplica, r.gpuIndices().size());
    }
    Duration maxRuntime = a.maxRuntimeMillis() == null || a.maxRuntimeMillis() <= 0 ? null : Duration.ofMillis(a.maxRuntimeMillis());
    Instant hourAgo = now.minus(Duration.ofHours(1));
    int lastHour = (int) s.preemptions().getOrDefault(a.jobId(), List.of()).stream().filter(r -> r.at().isAfter(hourAgo)).count();
    return new RunningJob(a.jobId(), a.attempt(), queueOf(a.queue()), a.priority(), a.preemptible(),
        a.placedAt() == null ? Instant.EPOCH : a.placedAt(), maxRuntime, a.slots().size(), gpusPerReplica, a.cpusPerReplica(),
        a.memoryPerReplica(), placements, s.terminating().contains(a.key()), lastHour, preemptedBy(s, a.jobId()));
  }

  private static Set<String> preemptedBy(State s, String jobId) {
    Set<String> by = new HashSet<>();
    for (PreemptionRecord r : s.preemptions().getOrDefault(jobId, List.of())) by.add(r.forJobId());
    return by;
  }

  private void preempt(Allocation a, String reason) {
    String key = a.key();
    ctx.pipeToSelf(
        org.apache.pekko.actor.typed.javadsl.AskPattern.<JobEntity.Command, Done>ask(peers.job(a.jobId()),
            r -> new JobEntity.Preempt(a.attempt(), null, reason, r), settings.askTimeout(), ctx.getSystem().scheduler()),
        (ok, failure) -> failure == null ? new PreemptionAcked(key) : Tick.INSTANCE);
  }

  private Allocation toAllocation(Placement p, QueuedJob q) {
    List<ReplicaSlot> slots = new ArrayList<>();
    for (ReplicaPlacement r : p.replicas()) {
      NodeInfo n = nodes.get(r.node());
      Map<Integer, String> uuids = new HashMap<>();
      if (n != null) for (GpuDevice g : n.gpus()) uuids.put(g.index(), g.uuid());
      List<String> gpuUuids = r.gpuIndices().stream().map(i -> uuids.getOrDefault(i, "")).toList();
      slots.add(new ReplicaSlot(r.rank(), ReplicaSlot.allocationId(p.jobId(), p.attempt(), r.rank()), r.node(),
          n == null ? null : n.address(), List.copyOf(r.gpuIndices()), gpuUuids, r.nodeRank(), r.localRank(), r.localWorldSize()));
    }
    slots.sort(Comparator.comparingInt(ReplicaSlot::rank));
    return new Allocation(p.jobId(), p.attempt(), List.copyOf(slots), p.masterNode(), p.masterAddr(), p.masterPort(),
        p.numNodes(), q.cpusPerReplica(), q.memoryPerReplica(), q.queue(), q.priority(), clock.instant(), q.preemptible(),
        q.maxRuntimeMillis(), q.jobName());
  }

  private void offer(Allocation a) {
    peers.job(a.jobId()).tell(new JobEntity.Place(a.attempt(), a.slots(), a.masterAddr(), a.masterPort(), a.numNodes(), ctx.getSelf()));
  }

  /** Node views as the scheduling core sees them, with what the ledger says each one holds. */
  private List<NodeView> snapshotNodes(State s) {
    Map<String, Set<Integer>> gpus = new HashMap<>();
    Map<String, Double> cpus = new HashMap<>();
    Map<String, Long> memory = new HashMap<>();
    Map<String, Set<Integer>> ports = new HashMap<>();
    for (Allocation a : s.allocations().values()) {
      for (ReplicaSlot r : a.slots()) {
        gpus.computeIfAbsent(r.node(), k -> new HashSet<>()).addAll(r.gpuIndices());
        cpus.merge(r.node(), a.cpusPerReplica(), Double::sum);
        memory.merge(r.node(), a.memoryPerReplica(), Long::sum);
      }
      if (a.masterNode() != null) ports.computeIfAbsent(a.masterNode(), k -> new HashSet<>()).add(a.masterPort());
    }
    List<NodeView> views = new ArrayList<>();
    for (NodeInfo n : nodes.values()) {
      List<GpuSlot> slots =
          n.gpus().stream().map(g -> new GpuSlot(g.index(), g.uuid(), !n.unusableGpus().contains(g.index()))).toList();
      Map<Integer, Integer> domains = new HashMap<>();
      for (GpuDevice g : n.gpus()) if (g.topologyDomain() != null) domains.put(g.index(), g.topologyDomain());
      views.add(new NodeView(n.name(), n.address(), n.ready(), n.cordoned(), n.draining(), slots,
          gpus.getOrDefault(n.name(), Set.of()), n.cpus(), cpus.getOrDefault(n.name(), 0.0), n.memoryBytes(),
          memory.getOrDefault(n.name(), 0L), n.labels() == null ? Map.of() : n.labels(), n.portRangeStart(),
          n.portRangeEnd(), ports.getOrDefault(n.name(), Set.of()), domains));
    }
    return views;
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(State::apply);
  }
}
