package dev.drover.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The cluster mode's configuration: address lists, the mode switch, and the freeze detector. */
class ClusterModeSettingsTest {

  @Test
  void hostPortListsAreParsedAndBadEntriesNamed() {
    assertEquals(List.of("a:1", "b.example:9042"), ClusterAddresses.hostPorts(" a:1, b.example:9042 ,", "--cassandra"));
    assertEquals(List.of("[::1]:25520"), ClusterAddresses.hostPorts("[::1]:25520", "--seed-nodes"));
    IllegalArgumentException noPort = assertThrows(IllegalArgumentException.class, () -> ClusterAddresses.hostPorts("a", "--seed-nodes"));
    assertEquals("--seed-nodes: 'a' is not HOST:PORT", noPort.getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ClusterAddresses.hostPorts("a:x", "--cassandra"))
        .getMessage().contains("no numeric port"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ClusterAddresses.hostPorts("a:70000", "--cassandra"))
        .getMessage().contains("1-65535"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ClusterAddresses.hostPorts(" , ", "--cassandra"))
        .getMessage().contains("at least one"));
  }

  @Test
  void cassandraModeLayersItsPersistenceOverTheDefaults() {
    System.setProperty("drover.persistence.mode", "cassandra");
    System.setProperty("drover.cassandra.contact-points.0", "127.0.0.1:19042");
    System.setProperty("drover.management.port", "18558");
    try {
      ConfigFactory.invalidateCaches();
      Config c = DroverConfig.load();
      assertEquals("pekko.persistence.cassandra.journal", c.getString("pekko.persistence.journal.plugin"));
      assertEquals(List.of("127.0.0.1:19042"), c.getStringList("datastax-java-driver.basic.contact-points"));
      assertEquals("QUORUM", c.getString("datastax-java-driver.profiles.pekko-persistence-cassandra-profile.basic.request.consistency"));
      assertEquals("drover", c.getString("pekko.persistence.cassandra.journal.keyspace"));
      assertEquals("drover_snapshot", c.getString("pekko.persistence.cassandra.snapshot.keyspace"));
      assertEquals(18558, c.getInt("pekko.management.http.port"));
      assertEquals(DroverSettings.PersistenceMode.CASSANDRA, DroverSettings.from(c).persistenceMode());
    } finally {
      System.clearProperty("drover.persistence.mode");
      System.clearProperty("drover.cassandra.contact-points.0");
      System.clearProperty("drover.management.port");
      ConfigFactory.invalidateCaches();
    }
    Config standalone = DroverConfig.load();
    assertEquals("jdbc-journal", standalone.getString("pekko.persistence.journal.plugin"));
    assertEquals(DroverSettings.PersistenceMode.H2, DroverSettings.from(standalone).persistenceMode());
  }

  @Test
  void anUnknownModeIsRefusedByName() {
    Config bad = ConfigFactory.parseString("drover.persistence.mode = mongo").withFallback(ConfigFactory.load()).resolve();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DroverSettings.from(bad));
    assertEquals("drover.persistence.mode must be h2 or cassandra, got 'mongo'", e.getMessage());
  }

  @Test
  void aFreezeUnsettlesTheCoordinatorForTheSettleTime() {
    PauseGuard g = new PauseGuard(Duration.ofSeconds(5));
    long t = System.nanoTime();
    g.tick(t);
    assertTrue(g.settled(), "ticking normally");
    // 3 s without a tick: this process was frozen.
    long thaw = t + Duration.ofSeconds(3).toNanos();
    g.tick(thaw);
    assertEquals(1, g.freezes());
    assertFalse(g.settled(), "unsettled right after a freeze");
    g.tick(thaw + Duration.ofMillis(100).toNanos());
    assertEquals(1, g.freezes(), "a normal tick is no freeze");
  }

  @Test
  void aCallerThatThawsBeforeTheWatchdogIsUnsettledToo() throws Exception {
    PauseGuard g = new PauseGuard(Duration.ofSeconds(5));
    g.tick(System.nanoTime() - Duration.ofSeconds(2).toNanos());
    // The watchdog thread has not ticked since (it was frozen as well): its tick is stale.
    assertFalse(g.settled());
  }
}
