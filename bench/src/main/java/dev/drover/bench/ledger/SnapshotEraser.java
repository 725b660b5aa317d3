package dev.drover.bench.ledger;

import dev.drover.coordinator.scheduling.SchedulerSingleton;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.Props;
import org.apache.pekko.persistence.AbstractPersistentActor;
import org.apache.pekko.persistence.DeleteSnapshotsFailure;
import org.apache.pekko.persistence.DeleteSnapshotsSuccess;
import org.apache.pekko.persistence.Recovery;
import org.apache.pekko.persistence.SnapshotSelectionCriteria;

/**
 * Deletes every snapshot of the scheduler's ledger, so that the next recovery replays the whole
 * journal. Typed persistence deletes snapshots only through a retention policy, so this is a
 * classic persistent actor on the ledger's persistence id that recovers nothing and writes
 * nothing: it only asks the snapshot store to delete.
 */
final class SnapshotEraser extends AbstractPersistentActor {
    static final String ERASE = "erase";

    private ActorRef requester;

    static Props props() {
        return Props.create(SnapshotEraser.class, SnapshotEraser::new);
    }

    @Override
    public String persistenceId() {
        return SchedulerSingleton.PERSISTENCE_ID.id();
    }

    @Override
    public Recovery recovery() {
        return Recovery.none();
    }

    @Override
    public Receive createReceiveRecover() {
        return receiveBuilder().build();
    }

    @Override
    public Receive createReceive() {
        return receiveBuilder()
                .matchEquals(ERASE, m -> {
                    requester = getSender();
                    deleteSnapshots(SnapshotSelectionCriteria.latest());
                })
                .match(DeleteSnapshotsSuccess.class, m -> requester.tell(Boolean.TRUE, getSelf()))
                .match(DeleteSnapshotsFailure.class, m -> requester.tell(m.cause(), getSelf()))
                .build();
    }
}
