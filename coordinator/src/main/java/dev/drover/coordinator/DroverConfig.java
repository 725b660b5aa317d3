package dev.drover.coordinator;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.Locale;

/**
 * Loads the coordinator's configuration: application.conf (standalone, H2) and, when
 * {@code drover.persistence.mode = cassandra}, persistence-cassandra.conf layered over it. System
 * properties override both, as usual.
 */
public final class DroverConfig {
  private DroverConfig() {}

  public static Config load() {
    Config base = ConfigFactory.load();
    String mode = base.getString("drover.persistence.mode").trim().toLowerCase(Locale.ROOT);
    if (!mode.equals("cassandra")) return base;
    return ConfigFactory.load(ConfigFactory.parseResources("persistence-cassandra.conf")
        .withFallback(ConfigFactory.parseResourcesAnySyntax("application")));
  }
}
