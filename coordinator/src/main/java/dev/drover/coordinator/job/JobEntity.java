package dev.drover.coordinator.job;

import dev.drover.coordinator.persistence.StoreFailures;
import dev.drover.coordinator.metrics.DroverMetrics;
import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.drover.coordinator.CborSerializable;
import dev.drover.coordinator.DroverSettings;
import dev.drover.coordinator.node.NodeEntity;
import dev.drover.coordinator.scheduling.SchedulerSingleton;
import dev.drover.protocol.agent.DesiredPhase;
import dev.drover.protocol.agent.ReplicaAssignment;
import dev.drover.protocol.agent.ReplicaPhase;
import dev.drover.protocol.agent.ReplicaStatus;
import dev.drover.protocol.api.JobState;
import dev.drover.protocol.spec.JobSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
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
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One event-sourced entity per job: its spec, its lifecycle, the replicas of its current attempt.
 *
 * <p>Decides the job's fate from what the scheduler and the agents report (placed, started,
 * exited, lost) and drives the side effects at least once: enqueue at the scheduler, assign,
 * stop and release replicas on nodes, release GPUs in the scheduler's ledger. Every side effect is
 * idempotent at its receiver, so the entity re-sends what is outstanding after a restart.
 */
public final class JobEntity
    extends EventSourcedBehaviorWithEnforcedReplies<JobEntity.Command, JobEntity.Event, JobEntity.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "Job");
  public static final String TAG = "job";
  public static final String PERSISTENCE_PREFIX = "Job";

  // ---------------------------------------------------------------- commands

  public sealed interface Command extends CborSerializable {}

  /** Create the job. Repeating it with the same owner, idempotency key and spec is a no-op. */
  public record Submit(JobSpec spec, String owner, String idempotencyKey, ActorRef<Result> replyTo)
      implements Command {}

  public record Get(ActorRef<Result> replyTo) implements Command {}

  public record Cancel(String by, ActorRef<Result> replyTo) implements Command {}

  /** The scheduler placed this attempt's gang; answered with {@link SchedulerSingleton.PlacementAnswer}. */
  public record Place(
      int attempt,
      List<ReplicaSlot> slots,
      String masterAddr,
      int masterPort,
      int numNodes,
      ActorRef<SchedulerSingleton.Command> replyTo)
      implements Command {}

  /** A replica's actual state as its node's agent reported it (or LOST when the node was lost). */
  public record ReplicaReport(String node, ReplicaStatus status, ActorRef<Done> replyTo) implements Command {}

  /** The node is drained: stop the gang and requeue it without counting a restart. */
  public record Evict(String allocationId, String reason, ActorRef<Done> replyTo) implements Command {}

  /**
   * A GPU this replica runs on became Unhealthy: stop the gang and restart it elsewhere as the job's
   * restart policy allows (a hardware fault is a failure of the attempt, like a lost node).
   */
  public record GpuFailed(String allocationId, String reason, ActorRef<Done> replyTo) implements Command {}

  /**
   * The scheduler preempted this attempt for a higher-priority job or to reclaim a queue's
   * guarantee: stop the gang gracefully and requeue it with its original submit time.
   */
  public record Preempt(int attempt, String byJobId, String reason, ActorRef<Done> replyTo) implements Command {}

  private enum Redeliver implements Command {
    INSTANCE
  }

  /** Sent by the shard to stop the entity (passivation, rebalance, shutdown). */
  private enum Passivate implements Command {
    INSTANCE
  }

  private record RestartDue(int attempt) implements Command {}

  private record Acked(String what, int attempt) implements Command {}

  /** The answer to every external command: the job's state, or why the command was refused. */
  public record Result(State state, ErrorCode error, String message) implements CborSerializable {
    public static Result ok(State s) {
      return new Result(s, null, null);
    }

    public static Result error(State s, ErrorCode code, String message) {
      return new Result(s, code, message);
    }

    @JsonIgnore
    public boolean isOk() {
      return error == null;
    }
  }

  public enum ErrorCode {
    NOT_FOUND,
    CONFLICT,
    IDEMPOTENCY_MISMATCH
  }

  // ---------------------------------------------------------------- events

  public sealed interface Event extends CborSerializable {
    String jobId();

    Instant at();
  }

  public record JobSubmitted(String jobId, JobSpec spec, String owner, String idempotencyKey, Instant at)
      implements Event {}

  public record JobScheduled(
      String jobId, int attempt, List<ReplicaSlot> slots, String masterAddr, int masterPort, int numNodes, Instant at)
      implements Event {}

  public record ReplicaStarted(String jobId, int attempt, int rank, String allocationId, String node, Long pid, Instant at)
      implements Event {}

  public record ReplicaExited(
      String jobId,
      int attempt,
      int rank,
      String allocationId,
      String node,
      Integer exitCode,
      String termination,
      String message,
      Instant at)
      implements Event {}

  /** The gang of this attempt is being stopped: why, and what happens once it has stopped. */
  public record GangStopping(String jobId, int attempt, StopIntent intent, String reason, Instant at)
      implements Event {}

  public record JobCancelRequested(String jobId, String by, Instant at) implements Event {}

  public record JobRequeued(
      String jobId, int previousAttempt, int attempt, String reason, boolean countsAsRestart, Instant notBefore, Instant at)
      implements Event {}

  public record JobSucceeded(String jobId, int attempt, Instant at) implements Event {}

  public record JobFailed(String jobId, int attempt, String reason, Instant at) implements Event {}

  public record JobCancelled(String jobId, int attempt, String by, Instant at) implements Event {}

  /** Nodes forgot the attempt's replicas and the scheduler freed its GPUs. */
  public record AttemptReleased(String jobId, int attempt, Instant at) implements Event {}

  public enum StopIntent {
    FAILURE,
    CANCEL,
    EVICTION,
    MAX_RUNTIME,
    PREEMPTION
  }

  // ---------------------------------------------------------------- state

  /** What an attempt that ended still holds on nodes and in the ledger, until released. */
  public record Release(int attempt, Map<String, List<String>> allocationsByNode) {}

  /** The job's state; {@code jobId == null} until submitted. */
  public record State(
      String jobId,
      JobSpec spec,
      String owner,
      String idempotencyKey,
      Instant submittedAt,
      JobState phase,
      int attempt,
      int restarts,
      List<ReplicaRecord> replicas,
      String masterAddr,
      int masterPort,
      int numNodes,
      StopIntent stopIntent,
      String cancelledBy,
      Instant notBefore,
      String message,
      Instant startedAt,
      Instant finishedAt,
      Release release)
      implements CborSerializable {

    public static State empty() {
      return new State(null, null, null, null, null, null, 0, 0, List.of(), null, 0, 0, null, null, null, null, null, null, null);
    }

    @JsonIgnore
    public boolean exists() {
      return jobId != null;
    }

    @JsonIgnore
    public boolean terminal() {
      return phase != null && phase.terminal();
    }

    @JsonIgnore
    boolean allReplicasTerminal() {
      return !replicas.isEmpty() && replicas.stream().allMatch(ReplicaRecord::terminal);
    }

    @JsonIgnore
    boolean hasLiveReplicas() {
      return replicas.stream().anyMatch(r -> !r.terminal());
    }

    ReplicaRecord replica(String allocationId) {
      for (ReplicaRecord r : replicas) if (r.allocationId().equals(allocationId)) return r;
      return null;
    }

    private State with(JobState phase, List<ReplicaRecord> replicas) {
      return new State(jobId, spec, owner, idempotencyKey, submittedAt, phase, attempt, restarts, replicas, masterAddr,
          masterPort, numNodes, stopIntent, cancelledBy, notBefore, message, startedAt, finishedAt, release);
    }

    private State replaceReplica(int rank, ReplicaRecord r) {
      List<ReplicaRecord> copy = new ArrayList<>(replicas);
      copy.set(rank, r);
      return with(phase, List.copyOf(copy));
    }

    private Release releaseOfCurrent() {
      Map<String, List<String>> byNode = new LinkedHashMap<>();
      for (ReplicaRecord r : replicas) byNode.computeIfAbsent(r.node(), n -> new ArrayList<>()).add(r.allocationId());
      byNode.replaceAll((k, v) -> List.copyOf(v));
      return new Release(attempt, byNode);
    }

    public State apply(Event event) {
      if (event instanceof JobSubmitted e) {
        return new State(e.jobId(), e.spec(), e.owner(), e.idempotencyKey(), e.at(), JobState.PENDING, 1, 0, List.of(),
            null, 0, 0, null, null, null, null, null, null, null);
      } else if (event instanceof JobScheduled e) {
        List<ReplicaRecord> rs = new ArrayList<>();
        for (ReplicaSlot s : e.slots()) rs.add(ReplicaRecord.assigned(s));
        return new State(jobId, spec, owner, idempotencyKey, submittedAt, JobState.STARTING, attempt, restarts,
            List.copyOf(rs), e.masterAddr(), e.masterPort(), e.numNodes(), null, cancelledBy, null, null, null, null, release);
      } else if (event instanceof ReplicaStarted e) {
        State s = replaceReplica(e.rank(), replicas.get(e.rank()).started(e.pid(), e.at()));
        boolean allRunning = s.replicas.stream().allMatch(r -> ReplicaRecord.RUNNING.equals(r.phase()));
        if (allRunning && s.phase == JobState.STARTING) {
          return new State(jobId, spec, owner, idempotencyKey, submittedAt, JobState.RUNNING, attempt, restarts, s.replicas,
              masterAddr, masterPort, numNodes, stopIntent, cancelledBy, notBefore, message, e.at(), finishedAt, release);
        }
        return s;
      } else if (event instanceof ReplicaExited e) {
        return replaceReplica(e.rank(), replicas.get(e.rank()).exited(e.exitCode(), e.termination(), e.message(), e.at()));
      } else if (event instanceof GangStopping e) {
        JobState p = e.intent() == StopIntent.CANCEL ? JobState.CANCELLING : phase;
        return new State(jobId, spec, owner, idempotencyKey, submittedAt, p, attempt, restarts, replicas, masterAddr,
            masterPort, numNodes, e.intent(), cancelledBy, notBefore, e.reason(), startedAt, finishedAt, release);
      } else if (event instanceof JobCancelRequested e) {
        return new State(jobId, spec, owner, idempotencyKey, submittedAt, JobState.CANCELLING, attempt, restarts, replicas,
            masterAddr, masterPort, numNodes, StopIntent.CANCEL, e.by(), notBefore, "cancel requested by " + e.by(),
            startedAt, finishedAt, release);
      } else if (event instanceof JobRequeued e) {
        Release r = replicas.isEmpty() ? release : releaseOfCurrent();
        return new State(jobId, spec, owner, idempotencyKey, submittedAt, JobState.PENDING, e.attempt(),
            restarts + (e.countsAsRestart() ? 1 : 0), List.of(), null, 0, 0, null, null, e.notBefore(), e.reason(),
            null, null, r);
      } else if (event instanceof JobSucceeded e) {
        return finished(JobState.SUCCEEDED, "all " + replicas.size() + " replicas exited with code 0", e.at());
      } else if (event instanceof JobFailed e) {
        return finished(JobState.FAILED, e.reason(), e.at());
      } else if (event instanceof JobCancelled e) {
        return new State(jobId, spec, owner, idempotencyKey, submittedAt, JobState.CANCELLED, attempt, restarts, replicas,
            masterAddr, masterPort, numNodes, stopIntent, e.by(), notBefore, "cancelled by " + e.by(), startedAt, e.at(),
            // A job cancelled while pending holds nothing on nodes but must leave the scheduler's queue.
            replicas.isEmpty() ? new Release(attempt, Map.of()) : releaseOfCurrent());
      } else if (event instanceof AttemptReleased e) {
        if (release != null && release.attempt() == e.attempt()) {
          return new State(jobId, spec, owner, idempotencyKey, submittedAt, phase, attempt, restarts, replicas, masterAddr,
              masterPort, numNodes, stopIntent, cancelledBy, notBefore, message, startedAt, finishedAt, null);
        }
        return this;
      }
      throw new IllegalStateException("unknown event " + event);
    }

    private State finished(JobState p, String msg, Instant at) {
      return new State(jobId, spec, owner, idempotencyKey, submittedAt, p, attempt, restarts, replicas, masterAddr, masterPort,
          numNodes, stopIntent, cancelledBy, notBefore, msg, startedAt, at, replicas.isEmpty() ? release : releaseOfCurrent());
    }
  }

  // ---------------------------------------------------------------- setup

  public static void init(ActorSystem<?> system, DroverSettings settings) {
    ClusterSharding.get(system)
        .init(
            Entity.of(ENTITY_KEY, ec -> create(ec.getEntityId(), ec.getShard(), settings, Peers.cluster(system)))
                .withStopMessage(Passivate.INSTANCE));
  }

  public static Behavior<Command> create(
      String jobId, ActorRef<ClusterSharding.ShardCommand> shard, DroverSettings settings, Peers peers) {
    return Behaviors.setup(
        ctx -> Behaviors.withTimers(timers -> new JobEntity(jobId, shard, settings, peers, ctx, timers, Clock.systemUTC())));
  }

  public static PersistenceId persistenceId(String jobId) {
    return PersistenceId.of(PERSISTENCE_PREFIX, jobId);
  }

  private final String jobId;
  private final ActorRef<ClusterSharding.ShardCommand> shard;
  private final DroverSettings settings;
  private final Peers peers;
  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  private final Clock clock;
  // What receivers have acknowledged in this incarnation; lost on restart, so everything
  // outstanding is sent again, and receivers treat repeats as no-ops.
  private final Set<String> acked = new HashSet<>();

  private JobEntity(
      String jobId,
      ActorRef<ClusterSharding.ShardCommand> shard,
      DroverSettings settings,
      Peers peers,
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      Clock clock) {
    super(persistenceId(jobId), StoreFailures.restartWithBackoff());
    this.jobId = jobId;
    this.shard = shard;
    this.peers = peers;
    this.settings = settings;
    this.ctx = ctx;
    this.timers = timers;
    this.clock = clock;
  }

  @Override
  public State emptyState() {
    return State.empty();
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return Set.of(TAG);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> {
          if (state.exists()) {
            timers.startTimerWithFixedDelay(Redeliver.INSTANCE, settings.redeliveryInterval());
            sync(state);
          }
        })
        .build();
  }

  // ---------------------------------------------------------------- commands

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    CommandHandlerWithReplyBuilder<Command, Event, State> b = newCommandHandlerWithReplyBuilder();
    b.forState(s -> !s.exists())
        .onCommand(Submit.class, this::onSubmit)
        .onCommand(Get.class, (s, c) -> unknown(c.replyTo(), Result.error(s, ErrorCode.NOT_FOUND, "no job " + jobId)))
        .onCommand(Cancel.class, (s, c) -> unknown(c.replyTo(), Result.error(s, ErrorCode.NOT_FOUND, "no job " + jobId)))
        .onCommand(Place.class, (s, c) -> unknown(c.replyTo(), new SchedulerSingleton.PlacementAnswer(jobId, c.attempt(), false)))
        .onCommand(ReplicaReport.class, (s, c) -> unknown(c.replyTo(), Done.getInstance()))
        .onCommand(Evict.class, (s, c) -> unknown(c.replyTo(), Done.getInstance()))
        .onCommand(GpuFailed.class, (s, c) -> unknown(c.replyTo(), Done.getInstance()))
        .onCommand(Preempt.class, (s, c) -> unknown(c.replyTo(), Done.getInstance()))
        .onCommand(Passivate.class, (s, c) -> Effect().stop().thenNoReply())
        .onAnyCommand(c -> Effect().noReply());
    b.forAnyState()
        .onCommand(Submit.class, this::onResubmit)
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), Result.ok(s)))
        .onCommand(Cancel.class, this::onCancel)
        .onCommand(Place.class, this::onPlace)
        .onCommand(ReplicaReport.class, this::onReplicaReport)
        .onCommand(Evict.class, this::onEvict)
        .onCommand(GpuFailed.class, this::onGpuFailed)
        .onCommand(Preempt.class, this::onPreempt)
        .onCommand(Redeliver.class, this::onRedeliver)
        .onCommand(RestartDue.class, (s, c) -> {
          sync(s);
          return Effect().noReply();
        })
        .onCommand(Acked.class, this::onAcked)
        .onCommand(Passivate.class, (s, c) -> Effect().stop().thenNoReply());
    return b.build();
  }

  /** Answers about a job that does not exist and lets the shard forget the entity at once. */
  private <R> ReplyEffect<Event, State> unknown(ActorRef<R> replyTo, R reply) {
    return Effect().none().thenRun(s -> passivate()).thenReply(replyTo, s -> reply);
  }

  private void passivate() {
    shard.tell(new ClusterSharding.Passivate<>(ctx.getSelf()));
  }

  private ReplyEffect<Event, State> onSubmit(State s, Submit c) {
    JobSubmitted e = new JobSubmitted(jobId, c.spec(), c.owner(), c.idempotencyKey(), clock.instant());
    return Effect()
        .persist(e)
        .thenRun(DroverMetrics.journalWrite("job"))
        .thenRun(ns -> {
          timers.startTimerWithFixedDelay(Redeliver.INSTANCE, settings.redeliveryInterval());
          sync(ns);
        })
        .thenReply(c.replyTo(), Result::ok);
  }

  private ReplyEffect<Event, State> onResubmit(State s, Submit c) {
    boolean same = c.idempotencyKey() != null
        && c.idempotencyKey().equals(s.idempotencyKey())
        && c.owner().equals(s.owner())
        && c.spec().equals(s.spec());
    if (same) return Effect().reply(c.replyTo(), Result.ok(s));
    return Effect().reply(c.replyTo(), Result.error(s, ErrorCode.IDEMPOTENCY_MISMATCH,
        "Idempotency-Key '" + c.idempotencyKey() + "' was already used for job " + jobId + " with a different spec"));
  }

  private ReplyEffect<Event, State> onCancel(State s, Cancel c) {
    if (s.terminal()) {
      return Effect().reply(c.replyTo(), Result.error(s, ErrorCode.CONFLICT,
          "job " + jobId + " already finished (" + s.phase() + ")"));
    }
    if (s.phase() == JobState.CANCELLING) return Effect().reply(c.replyTo(), Result.ok(s));
    Instant now = clock.instant();
    if (s.phase() == JobState.PENDING) {
      return Effect()
          .persist(new JobCancelled(jobId, s.attempt(), c.by(), now))
          .thenRun(DroverMetrics.journalWrite("job"))
          .thenRun(this::sync)
          .thenReply(c.replyTo(), Result::ok);
    }
    return Effect()
        .persist(new JobCancelRequested(jobId, c.by(), now))
        .thenRun(DroverMetrics.journalWrite("job"))
        .thenRun(this::sync)
        .thenReply(c.replyTo(), Result::ok);
  }

  private ReplyEffect<Event, State> onPlace(State s, Place c) {
    if (s.phase() == JobState.PENDING && c.attempt() == s.attempt() && !notYet(s)) {
      JobScheduled e = new JobScheduled(jobId, c.attempt(), c.slots(), c.masterAddr(), c.masterPort(), c.numNodes(), clock.instant());
      return Effect()
          .persist(e)
          .thenRun(DroverMetrics.journalWrite("job"))
          .thenRun(ns -> DroverMetrics.queueWait(queueOf(s), Duration.between(eligibleSince(s), e.at())))
          .thenRun(this::sync)
          .thenReply(c.replyTo(), ns -> new SchedulerSingleton.PlacementAnswer(jobId, c.attempt(), true));
    }
    // Same attempt already placed: the scheduler is re-sending, the answer stays yes.
    boolean alreadyPlaced = c.attempt() == s.attempt() && !s.replicas().isEmpty() && !s.terminal()
        && s.replicas().get(0).slot().equals(c.slots().get(0));
    return answerPlacement(c, alreadyPlaced);
  }

  /** When the waiting attempt could first have been placed: its submit, or the end of its requeue backoff. */
  private static Instant eligibleSince(State s) {
    return s.attempt() > 1 && s.notBefore() != null ? s.notBefore() : s.submittedAt();
  }

  private static String queueOf(State s) {
    return s.spec().queue() == null ? dev.drover.coordinator.queue.QueueRegistry.DEFAULT_QUEUE : s.spec().queue();
  }

  private ReplyEffect<Event, State> answerPlacement(Place c, boolean accepted) {
    return Effect().reply(c.replyTo(), new SchedulerSingleton.PlacementAnswer(jobId, c.attempt(), accepted));
  }

  private boolean notYet(State s) {
    return s.notBefore() != null && s.notBefore().isAfter(clock.instant());
  }

  private ReplyEffect<Event, State> onReplicaReport(State s, ReplicaReport c) {
    ReplicaStatus st = c.status();
    ReplicaRecord r = s.replica(st.allocationId());
    if (r == null || st.attempt() != s.attempt() || s.terminal() && s.release() == null) {
      return Effect().reply(c.replyTo(), Done.getInstance());
    }
    List<Event> events = new ArrayList<>();
    Instant now = clock.instant();
    int rank = r.slot().rank();
    if (st.phase() == ReplicaPhase.RUNNING && ReplicaRecord.ASSIGNED.equals(r.phase())) {
      events.add(new ReplicaStarted(jobId, s.attempt(), rank, st.allocationId(), c.node(), st.pid(),
          st.startedAt() == null ? now : st.startedAt()));
    } else if (st.phase() == ReplicaPhase.EXITED && !r.terminal()) {
      if (ReplicaRecord.ASSIGNED.equals(r.phase()) && st.startedAt() != null) {
        events.add(new ReplicaStarted(jobId, s.attempt(), rank, st.allocationId(), c.node(), st.pid(), st.startedAt()));
      }
      String termination = st.termination() == null ? "UNKNOWN" : st.termination().name();
      ReplicaExited exited = new ReplicaExited(jobId, s.attempt(), rank, st.allocationId(), c.node(), st.exitCode(),
          termination, st.message(), st.finishedAt() == null ? now : st.finishedAt());
      events.add(exited);
      boolean ok = "COMPLETED".equals(termination) && st.exitCode() != null && st.exitCode() == 0;
      if (!ok && s.stopIntent() == null) {
        StopIntent intent = "MAX_RUNTIME_EXCEEDED".equals(termination) ? StopIntent.MAX_RUNTIME : StopIntent.FAILURE;
        events.add(new GangStopping(jobId, s.attempt(), intent, describeExit(rank, c.node(), st), now));
      }
    }
    if (events.isEmpty()) return Effect().reply(c.replyTo(), Done.getInstance());
    State after = s;
    for (Event e : events) after = after.apply(e);
    events.addAll(settle(after, now));
    return Effect()
        .persist(events)
        .thenRun(DroverMetrics.journalWrite("job"))
        .thenRun(this::sync)
        .thenReply(c.replyTo(), ns -> Done.getInstance());
  }

  private static String describeExit(int rank, String node, ReplicaStatus st) {
    String t = st.termination() == null ? "UNKNOWN" : st.termination().name();
    String detail = st.message() == null || st.message().isBlank() ? "" : ": " + st.message();
    return switch (t) {
      case "COMPLETED" -> "replica " + rank + " on " + node + " exited with code " + st.exitCode() + detail;
      case "START_FAILED" -> "replica " + rank + " on " + node + " failed to start" + detail;
      case "MAX_RUNTIME_EXCEEDED" -> "replica " + rank + " on " + node + " exceeded maxRuntime" + detail;
      case "LOST" -> "replica " + rank + " lost on " + node + detail;
      case "STOPPED" -> "replica " + rank + " on " + node + " was stopped" + detail;
      default -> "replica " + rank + " on " + node + " ended (" + t + ", exit code " + st.exitCode() + ")" + detail;
    };
  }

  /** Once every replica of the attempt has ended, the events that decide what comes next. */
  private List<Event> settle(State s, Instant now) {
    if (!s.allReplicasTerminal() || s.terminal() || s.phase() == JobState.PENDING) return List.of();
    StopIntent intent = s.stopIntent();
    if (intent == StopIntent.CANCEL) {
      return List.of(new JobCancelled(jobId, s.attempt(), s.cancelledBy() == null ? "unknown" : s.cancelledBy(), now));
    }
    if (intent == null && s.replicas().stream().allMatch(ReplicaRecord::succeeded)) {
      return List.of(new JobSucceeded(jobId, s.attempt(), now));
    }
    if (intent == StopIntent.EVICTION || intent == StopIntent.PREEMPTION) {
      return List.of(new JobRequeued(jobId, s.attempt(), s.attempt() + 1, s.message(), false, now, now));
    }
    if (intent == StopIntent.MAX_RUNTIME) {
      return List.of(new JobFailed(jobId, s.attempt(), s.message(), now));
    }
    int max = s.spec().restartPolicy().maxRestarts();
    String why = s.message() == null ? "a replica failed" : s.message();
    if (s.restarts() < max) {
      Duration backoff = s.spec().restartPolicy().backoffDuration();
      return List.of(new JobRequeued(jobId, s.attempt(), s.attempt() + 1,
          why + "; restarting the gang (restart " + (s.restarts() + 1) + " of " + max + ")", true, now.plus(backoff), now));
    }
    String suffix = max == 0 ? "" : " after " + max + " restart" + (max == 1 ? "" : "s");
    return List.of(new JobFailed(jobId, s.attempt(), why + suffix, now));
  }

  private ReplyEffect<Event, State> onEvict(State s, Evict c) {
    ReplicaRecord r = s.replica(c.allocationId());
    if (r == null || s.terminal() || s.stopIntent() != null || r.terminal()) {
      return Effect().reply(c.replyTo(), Done.getInstance());
    }
    return Effect()
        .persist(new GangStopping(jobId, s.attempt(), StopIntent.EVICTION, c.reason(), clock.instant()))
        .thenRun(DroverMetrics.journalWrite("job"))
        .thenRun(this::sync)
        .thenReply(c.replyTo(), ns -> Done.getInstance());
  }

  private ReplyEffect<Event, State> onGpuFailed(State s, GpuFailed c) {
    ReplicaRecord r = s.replica(c.allocationId());
    if (r == null || s.terminal() || s.stopIntent() != null || r.terminal()) {
      return Effect().reply(c.replyTo(), Done.getInstance());
    }
    Instant now = clock.instant();
    List<Event> events = new ArrayList<>();
    events.add(new GangStopping(jobId, s.attempt(), StopIntent.FAILURE, c.reason(), now));
    // Replicas that never started need no stopping: settle at once if nothing is live.
    events.addAll(settle(s.apply(events.get(0)), now));
    return Effect()
        .persist(events)
        .thenRun(DroverMetrics.journalWrite("job"))
        .thenRun(this::sync)
        .thenReply(c.replyTo(), ns -> Done.getInstance());
  }

  private ReplyEffect<Event, State> onPreempt(State s, Preempt c) {
    boolean live = !s.terminal() && c.attempt() == s.attempt() && !s.replicas().isEmpty();
    if (!live || s.stopIntent() != null) return Effect().reply(c.replyTo(), Done.getInstance());
    Instant now = clock.instant();
    List<Event> events = new ArrayList<>();
    events.add(new GangStopping(jobId, s.attempt(), StopIntent.PREEMPTION, c.reason(), now));
    // Replicas that never started need no stopping: settle at once if nothing is live.
    State after = s.apply(events.get(0));
    events.addAll(settle(after, now));
    return Effect()
        .persist(events)
        .thenRun(DroverMetrics.journalWrite("job"))
        .thenRun(this::sync)
        .thenReply(c.replyTo(), ns -> Done.getInstance());
  }

  private ReplyEffect<Event, State> onRedeliver(State s, Redeliver c) {
    if (s.terminal() && s.release() == null) {
      // Finished and released: nothing is outstanding, stop being remembered.
      passivate();
      return Effect().noReply();
    }
    sync(s);
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onAcked(State s, Acked c) {
    acked.add(c.what());
    if (c.what().startsWith("released/") && s.release() != null && s.release().attempt() == c.attempt()) {
      boolean all = acked.contains("released/scheduler/" + c.attempt());
      for (String node : s.release().allocationsByNode().keySet()) {
        all &= acked.contains("released/node/" + node + "/" + c.attempt());
      }
      if (all) {
        return Effect()
            .persist(new AttemptReleased(jobId, c.attempt(), clock.instant()))
            .thenRun(DroverMetrics.journalWrite("job"))
            .thenNoReply();
      }
    }
    return Effect().noReply();
  }

  // ---------------------------------------------------------------- side effects

  /** Sends, at least once, whatever the state says other actors must know and do not yet. */
  private void sync(State s) {
    if (!s.exists()) return;
    RecipientRef<SchedulerSingleton.Command> scheduler = peers.scheduler();
    Duration timeout = settings.askTimeout();
    int attempt = s.attempt();
    if (s.release() != null) {
      Release rel = s.release();
      String key = "released/scheduler/" + rel.attempt();
      if (!acked.contains(key)) {
        ack(key, rel.attempt(), org.apache.pekko.actor.typed.javadsl.AskPattern.ask(scheduler,
            (ActorRef<Done> r) -> new SchedulerSingleton.Release(jobId, rel.attempt(), completedRuntime(s, rel), r), timeout,
            ctx.getSystem().scheduler()));
      }
      for (Map.Entry<String, List<String>> e : rel.allocationsByNode().entrySet()) {
        String nkey = "released/node/" + e.getKey() + "/" + rel.attempt();
        if (!acked.contains(nkey)) {
          ack(nkey, rel.attempt(), ask(peers.node(e.getKey()), r -> new NodeEntity.Release(e.getValue(), r)));
        }
      }
    }
    if (s.terminal()) return;
    if (s.phase() == JobState.PENDING) {
      if (notYet(s)) {
        timers.startSingleTimer("restart-" + attempt, new RestartDue(attempt),
            Duration.between(clock.instant(), s.notBefore()).plusMillis(5));
        return;
      }
      String key = "enqueued/" + attempt;
      if (!acked.contains(key)) {
        JobSpec spec = s.spec();
        var placement = spec.placement() == null ? dev.drover.protocol.spec.PlacementSpec.DEFAULT : spec.placement();
        SchedulerSingleton.QueuedJob q = new SchedulerSingleton.QueuedJob(jobId, attempt, spec.queue(), spec.priority(),
            s.submittedAt(), spec.replicas(), spec.resources().gpus(), spec.resources().cpus(), spec.resources().memoryBytes(),
            Boolean.TRUE.equals(spec.preemptible()), spec.maxRuntimeDuration().map(Duration::toMillis).orElse(null),
            placement.requireLabels(), placement.preferLabels(), placement.strategy(), spec.name());
        ack(key, attempt, org.apache.pekko.actor.typed.javadsl.AskPattern.ask(scheduler,
            (ActorRef<Done> r) -> new SchedulerSingleton.Enqueue(q, r), timeout, ctx.getSystem().scheduler()));
      }
      return;
    }
    // STARTING, RUNNING, CANCELLING: the nodes must hold this attempt's replicas as wanted.
    boolean stopping = s.stopIntent() != null;
    Map<String, List<ReplicaAssignment>> byNode = new LinkedHashMap<>();
    Map<String, List<String>> toStop = new LinkedHashMap<>();
    for (ReplicaRecord r : s.replicas()) {
      byNode.computeIfAbsent(r.node(), n -> new ArrayList<>()).add(assignment(s, r.slot()));
      if (stopping && !r.terminal()) toStop.computeIfAbsent(r.node(), n -> new ArrayList<>()).add(r.allocationId());
    }
    for (Map.Entry<String, List<ReplicaAssignment>> e : byNode.entrySet()) {
      String key = "assigned/" + e.getKey() + "/" + attempt;
      if (!acked.contains(key)) {
        ack(key, attempt, ask(peers.node(e.getKey()), r -> new NodeEntity.Assign(e.getValue(), r)));
      }
    }
    for (Map.Entry<String, List<String>> e : toStop.entrySet()) {
      String key = "stopped/" + e.getKey() + "/" + attempt;
      if (!acked.contains(key)) {
        String reason = s.message() == null ? "gang stopping" : s.message();
        ack(key, attempt, ask(peers.node(e.getKey()), r -> new NodeEntity.Stop(e.getValue(), reason, r)));
      }
    }
  }

  /** How long the released attempt ran, when it is the one that succeeded; the scheduler learns from it. */
  private static Long completedRuntime(State s, Release rel) {
    if (s.phase() != JobState.SUCCEEDED || rel.attempt() != s.attempt() || s.startedAt() == null || s.finishedAt() == null) {
      return null;
    }
    return Duration.between(s.startedAt(), s.finishedAt()).toMillis();
  }

  private ReplicaAssignment assignment(State s, ReplicaSlot slot) {
    JobSpec spec = s.spec();
    long maxRuntime = spec.maxRuntimeDuration().map(Duration::toMillis).orElse(0L);
    return new ReplicaAssignment(slot.allocationId(), jobId, spec.name(), s.attempt(), slot.rank(), slot.localRank(),
        slot.localWorldSize(), slot.nodeRank(), spec.replicas(), s.numNodes(), slot.gpuIndices(), slot.gpuUuids(),
        s.masterAddr(), s.masterPort(), spec.command(), spec.args(), spec.env(), spec.workingDir(), maxRuntime,
        spec.gracePeriod().toMillis(), DesiredPhase.RUN, spec.stopSignal());
  }

  private <T> CompletionStage<Done> ask(RecipientRef<T> target, java.util.function.Function<ActorRef<Done>, T> message) {
    return org.apache.pekko.actor.typed.javadsl.AskPattern.ask(target, message::apply, settings.askTimeout(), ctx.getSystem().scheduler());
  }

  private void ack(String key, int attempt, CompletionStage<Done> stage) {
    ctx.pipeToSelf(stage, (ok, failure) -> failure == null ? new Acked(key, attempt) : new Acked("failed/" + key, attempt));
  }

  // ---------------------------------------------------------------- events

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(State::apply);
  }
}
