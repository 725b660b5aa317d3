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

  public static EventsByTagQuery eventsByTag(ActorSystem<?> system, DroverSettings.PersistenceMode mode) {
    return (EventsByTagQuery) journal(system, mode);
  }

  public static CurrentEventsByPersistenceIdQuery currentEventsByPersistenceId(ActorSystem<?> system, DroverSettings.PersistenceMode mode) {
    return (CurrentEventsByPersistenceIdQuery) journal(system, mode);
  }

  private static ReadJournal journal(ActorSystem<?> system, DroverSettings.PersistenceMode mode) {
    return PersistenceQuery.get(system).getReadJournalFor(ReadJournal.class, readJournalId(mode));
  }
}
