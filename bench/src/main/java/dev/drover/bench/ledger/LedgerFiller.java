package dev.drover.bench.ledger;

import dev.drover.coordinator.persistence.StoreFailures;
import dev.drover.coordinator.scheduling.SchedulerSingleton;
import dev.drover.coordinator.scheduling.SchedulerSingleton.Event;
import dev.drover.coordinator.scheduling.SchedulerSingleton.State;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.typed.DeleteSnapshotsCompleted;
import org.apache.pekko.persistence.typed.SnapshotCompleted;
import org.apache.pekko.persistence.typed.SnapshotFailed;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * Writes decisions into the scheduler's ledger as fast as the journal takes them: the ledger's
 * persistence id, its event classes, its event handler ({@link State#apply}) and its retention
 * policy (so the snapshots are the ones the scheduler itself would have written), but none of its
 * scheduling work, and many events per write. Must never run beside a scheduler on the same journal.
 */
final class LedgerFiller extends EventSourcedBehavior<LedgerFiller.Command, Event, State> {

    sealed interface Command {}

    /** Persist these events in one atomic write; the reply says what the ledger holds afterwards. */
    record Append(List<Event> events, ActorRef<Written> replyTo) implements Command {}

    /** Replies with the ledger's state (to measure its snapshot). */
    record Inspect(ActorRef<State> replyTo) implements Command {}

    /** After a write: the ledger's size, and what snapshots the retention policy wrote so far. */
    record Written(long sequenceNr, int waiting, int allocations, int runtimeSamples, long snapshots, long lastSnapshotSequenceNr,
                   long snapshotFailures) {}

    static Behavior<Command> create() {
        return Behaviors.setup(LedgerFiller::new);
    }

    private long snapshots;
    private long lastSnapshot;
    private long snapshotFailures;

    private final ActorContext<Command> ctx;

    private LedgerFiller(ActorContext<Command> ctx) {
        // Like the scheduler: a journal that fails (Cassandra still creating the tables) means a restart with backoff.
        super(SchedulerSingleton.PERSISTENCE_ID, StoreFailures.restartWithBackoff());
        this.ctx = ctx;
    }

    @Override
    public State emptyState() {
        return State.empty();
    }

    @Override
    public RetentionCriteria retentionCriteria() {
        return SchedulerSingleton.RETENTION;
    }

    @Override
    public CommandHandler<Command, Event, State> commandHandler() {
        return newCommandHandlerBuilder()
                .forAnyState()
                .onCommand(Append.class, (state, c) -> Effect().persist(c.events()).thenRun(s -> c.replyTo().tell(
                        new Written(lastSequenceNumber(ctx), s.pending().size(), s.allocations().size(), s.runtimes().size(), snapshots, lastSnapshot,
                                snapshotFailures))))
                .onCommand(Inspect.class, (state, c) -> Effect().none().thenRun(s -> c.replyTo().tell(s)))
                .build();
    }

    @Override
    public SignalHandler<State> signalHandler() {
        return newSignalHandlerBuilder()
                .onSignal(SnapshotCompleted.class, (state, done) -> {
                    snapshots++;
                    lastSnapshot = done.metadata().sequenceNr();
                })
                .onSignal(SnapshotFailed.class, (state, failed) -> snapshotFailures++)
                .onSignal(DeleteSnapshotsCompleted.class, (state, done) -> { })
                .build();
    }

    @Override
    public EventHandler<State, Event> eventHandler() {
        return newEventHandlerBuilder().forAnyState().onAnyEvent(State::apply);
    }
}
