package dev.drover.coordinator;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;

/** Every Drover setting of the coordinator, read once from the `drover { }` configuration. */
public record DroverSettings(
    Path dataDir,
    String httpInterface,
    int httpPort,
    long maxBodyBytes,
    Duration askTimeout,
    Path tokensFile,
    Path joinTokenFile,
    Duration heartbeatInterval,
    Duration telemetryInterval,
    Duration nodeTimeout,
    Duration schedulerInterval,
    Duration redeliveryInterval,
    int logChunkBytes) {

  public static DroverSettings from(Config root) {
    Config c = root.getConfig("drover");
    return new DroverSettings(
        Path.of(c.getString("data-dir")),
        c.getString("http.interface"),
        c.getInt("http.port"),
        c.getBytes("http.max-body-bytes"),
        c.getDuration("http.ask-timeout"),
        Path.of(c.getString("auth.tokens-file")),
        Path.of(c.getString("auth.join-token-file")),
        c.getDuration("agents.heartbeat-interval"),
        c.getDuration("agents.telemetry-interval"),
        c.getDuration("agents.node-timeout"),
        c.getDuration("scheduler.interval"),
        c.getDuration("scheduler.redelivery-interval"),
        (int) (long) c.getBytes("jobs.log-chunk-bytes"));
  }
}
