package dev.drover.coordinator.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DriverException;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.Row;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shared test Cassandra, through the real launcher and the real driver: data survives a
 * graceful stop, and an acknowledged write survives kill -9 of the server.
 */
class LocalCassandraTest {
  private static LocalCassandra cassandra;

  @BeforeAll
  static void start() {
    cassandra = LocalCassandra.shared();
    try (CqlSession s = session()) {
      s.execute("CREATE KEYSPACE IF NOT EXISTS local_cassandra_test"
          + " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
      s.execute("CREATE TABLE IF NOT EXISTS local_cassandra_test.kv (k text PRIMARY KEY, v text)");
    }
  }

  /** Timeouts for a loaded CI machine: the driver's 2 s default fails schema changes there. */
  private static CqlSession session() {
    DriverConfigLoader config = DriverConfigLoader.programmaticBuilder()
        .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(30))
        .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(10))
        .withDuration(DefaultDriverOption.CONTROL_CONNECTION_TIMEOUT, Duration.ofSeconds(10))
        .withDuration(DefaultDriverOption.METADATA_SCHEMA_REQUEST_TIMEOUT, Duration.ofSeconds(30))
        .withDuration(DefaultDriverOption.CONTROL_CONNECTION_AGREEMENT_TIMEOUT, Duration.ofSeconds(30))
        .build();
    return CqlSession.builder().withConfigLoader(config)
        .addContactPoint(cassandra.address()).withLocalDatacenter("datacenter1").build();
  }

  private static String read(CqlSession s, String key) {
    Row row = s.execute("SELECT v FROM local_cassandra_test.kv WHERE k = ?", key).one();
    return row == null ? null : row.getString("v");
  }

  @Test
  void aRowSurvivesAGracefulStopAndRestart() {
    assertTrue(cassandra.isRunning());
    assertEquals("127.0.0.1:" + cassandra.cqlPort(), cassandra.contactPoint());
    String key = "graceful-" + UUID.randomUUID();
    try (CqlSession s = session()) {
      s.execute("INSERT INTO local_cassandra_test.kv (k, v) VALUES (?, ?)", key, "kept");
      assertEquals("kept", read(s, key));

      cassandra.stop();
      assertFalse(cassandra.isRunning());
      assertThrows(DriverException.class, () -> read(s, key));
    } finally {
      cassandra.start();
    }
    assertTrue(cassandra.isRunning());
    try (CqlSession s = session()) {
      assertEquals("kept", read(s, key));
    }
  }

  /**
   * The launcher's default commitlog_sync is batch: the write is acknowledged after the commit log
   * is synced, so nothing acknowledged depends on the server process living on.
   */
  @Test
  void anAcknowledgedWriteSurvivesKillNine() {
    String key = "killed-" + UUID.randomUUID();
    try (CqlSession s = session()) {
      s.execute("INSERT INTO local_cassandra_test.kv (k, v) VALUES (?, ?)", key, "durable");
    }
    int port = cassandra.cqlPort();
    cassandra.kill();
    assertFalse(cassandra.isRunning());
    cassandra.restart();
    assertEquals(port, cassandra.cqlPort());
    try (CqlSession s = session()) {
      assertNotNull(read(s, key), "the acknowledged row is gone after kill -9 and restart");
      assertEquals("durable", read(s, key));
    }
  }
}
