package dev.drover.coordinator.projection;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Settings of the job read model in Cassandra mode, read once from {@code drover.cassandra}. */
public record JobIndexSettings(
    String keyspace,
    boolean autoCreate,
    String replicationStrategy,
    int replicationFactor,
    List<String> dataCenterReplicationFactors,
    int groupAfterEnvelopes,
    Duration groupAfterDuration) {

  public static JobIndexSettings from(Config root) {
    Config c = root.getConfig("drover.cassandra");
    return new JobIndexSettings(
        c.getString("keyspace"),
        c.getBoolean("auto-create"),
        c.getString("replication-strategy"),
        c.getInt("replication-factor"),
        List.copyOf(c.getStringList("data-center-replication-factors")),
        c.getInt("job-index.group-after-envelopes"),
        c.getDuration("job-index.group-after-duration"));
  }

  /** The {@code WITH REPLICATION} map of the keyspace, as the journal plugin writes it for the same settings. */
  String replicationCql() {
    if (replicationStrategy.equalsIgnoreCase("NetworkTopologyStrategy")) {
      List<String> dcs = new ArrayList<>();
      for (String dcAndFactor : dataCenterReplicationFactors) {
        String[] parts = dcAndFactor.split(":");
        if (parts.length != 2) {
          throw new IllegalArgumentException("drover.cassandra.data-center-replication-factors: expected dc:factor, got '"
              + dcAndFactor + "'");
        }
        dcs.add("'" + parts[0].trim() + "': " + Integer.parseInt(parts[1].trim()));
      }
      return "{'class': 'NetworkTopologyStrategy', " + String.join(", ", dcs) + "}";
    }
    return "{'class': 'SimpleStrategy', 'replication_factor': " + replicationFactor + "}";
  }
}
