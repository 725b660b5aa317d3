package dev.drover.bench.ledger;

import dev.drover.coordinator.DroverSettings;
import dev.drover.coordinator.Peers;
import dev.drover.coordinator.job.JobEntity;
import dev.drover.coordinator.node.NodeEntity;
import dev.drover.coordinator.scheduling.SchedulerSingleton;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The benchmark's guardian: starts the ledger filler and incarnations of the real scheduler, and
 * stops each one completely before the next may recover the same journal.
 */
final class LedgerHost {
    private LedgerHost() {}

    sealed interface Command {}

    record StartFiller(ActorRef<ActorRef<LedgerFiller.Command>> replyTo) implements Command {}

    /** Spawns the production scheduler behaviour; it recovers the ledger before it answers anything. */
    record StartScheduler(DroverSettings settings, ActorRef<ActorRef<SchedulerSingleton.Command>> replyTo) implements Command {}

    /** Starts the {@link SnapshotEraser} (a classic actor, so it is spawned by a typed parent). */
    record StartEraser(ActorRef<org.apache.pekko.actor.ActorRef> replyTo) implements Command {}

    /** Stops a child started here and answers once it has terminated. */
    record Stop(ActorRef<?> child, ActorRef<Done> replyTo) implements Command {}

    private record Stopped(ActorRef<?> child) implements Command {}

    static Behavior<Command> create() {
        return Behaviors.setup(ctx -> {
            // The scheduler re-offers recovered placements to their jobs; here nobody listens.
            ActorRef<JobEntity.Command> jobs = ctx.spawn(Behaviors.ignore(), "jobs");
            ActorRef<NodeEntity.Command> nodes = ctx.spawn(Behaviors.ignore(), "nodes");
            ActorRef<SchedulerSingleton.Command> scheduler = ctx.spawn(Behaviors.ignore(), "scheduler-proxy");
            Peers peers = new Peers() {
                @Override
                public RecipientRef<SchedulerSingleton.Command> scheduler() {
                    return scheduler;
                }

                @Override
                public RecipientRef<JobEntity.Command> job(String jobId) {
                    return jobs;
                }

                @Override
                public RecipientRef<NodeEntity.Command> node(String name) {
                    return nodes;
                }
            };
            return running(ctx, peers, new HashMap<>(), new int[1]);
        });
    }

    private static Behavior<Command> running(ActorContext<Command> ctx, Peers peers, Map<ActorRef<?>, List<ActorRef<Done>>> stopping,
                                             int[] incarnation) {
        return Behaviors.receive(Command.class)
                .onMessage(StartFiller.class, c -> {
                    ActorRef<LedgerFiller.Command> filler = ctx.spawn(LedgerFiller.create(), "filler-" + ++incarnation[0]);
                    ctx.watchWith(filler, new Stopped(filler));
                    c.replyTo().tell(filler);
                    return Behaviors.same();
                })
                .onMessage(StartScheduler.class, c -> {
                    ActorRef<SchedulerSingleton.Command> s =
                            ctx.spawn(SchedulerSingleton.create(c.settings(), peers), "scheduler-" + ++incarnation[0]);
                    ctx.watchWith(s, new Stopped(s));
                    c.replyTo().tell(s);
                    return Behaviors.same();
                })
                .onMessage(StartEraser.class, c -> {
                    c.replyTo().tell(Adapter.actorOf(ctx, SnapshotEraser.props(), "snapshot-eraser-" + ++incarnation[0]));
                    return Behaviors.same();
                })
                .onMessage(Stop.class, c -> {
                    stopping.computeIfAbsent(c.child(), k -> new ArrayList<>()).add(c.replyTo());
                    ctx.stop(c.child());
                    return Behaviors.same();
                })
                .onMessage(Stopped.class, c -> {
                    List<ActorRef<Done>> waiting = stopping.remove(c.child());
                    if (waiting != null) {
                        waiting.forEach(r -> r.tell(Done.getInstance()));
                    }
                    return Behaviors.same();
                })
                .build();
    }
}
