package dev.drover.coordinator.persistence;

import dev.drover.coordinator.DroverSettings;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.persistence.query.javadsl.EventsByTagQuery;
import org.apache.pekko.persistence.query.javadsl.ReadJournal;

/** The read journal of the configured persistence mode, by the query interfaces Drover uses. */
public final class Journals {
  private Journals() {}

  public static String readJournalId(DroverSettings.PersistenceMode mode) {
    return mode == DroverSettings.PersistenceMode.CASSANDRA ? CassandraReadJournal.Identifier() : JdbcReadJournal.Identifier();
  }

  /**
   * A tag query to start one stream with. On Cassandra every call builds a fresh read journal:
   * pekko-persistence-cassandra 1.1.0 keeps a failed tag scanner future for the life of a read
   * journal instance, so a stream first started while Cassandra was unreachable would fail on
   * every restart after it is back. A fresh instance per (re)start recovers; it shares the
   * plugin's driver session.
   */
  public static EventsByTagQuery eventsByTag(ActorSystem<?> system, DroverSettings.PersistenceMode mode) {
    if (mode != DroverSettings.PersistenceMode.CASSANDRA) return (EventsByTagQuery) journal(system, mode);
    String path = CassandraReadJournal.Identifier();
    return new CassandraReadJournal(new org.apache.pekko.persistence.cassandra.query.scaladsl.CassandraReadJournal(
        (org.apache.pekko.actor.ExtendedActorSystem) system.classicSystem(), system.settings().config().getConfig(path), path));
  }

  public static CurrentEventsByPersistenceIdQuery currentEventsByPersistenceId(ActorSystem<?> system, DroverSettings.PersistenceMode mode) {
    return (CurrentEventsByPersistenceIdQuery) journal(system, mode);
  }

  private static ReadJournal journal(ActorSystem<?> system, DroverSettings.PersistenceMode mode) {
    return PersistenceQuery.get(system).getReadJournalFor(ReadJournal.class, readJournalId(mode));
  }
}
