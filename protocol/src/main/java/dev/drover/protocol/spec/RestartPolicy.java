package dev.drover.protocol.spec;

import java.time.Duration;

/**
 * How a gang is restarted after a replica fails or is lost: always as a whole gang.
 *
 * @param maxRestarts how many times the whole gang may be restarted before the job fails
 * @param backoff wait before a restart, e.g. 10s
 */
public record RestartPolicy(Integer maxRestarts, String backoff) {
  public static final RestartPolicy DEFAULT = new RestartPolicy(0, "10s");

  public Duration backoffDuration() {
    return Durations.parse(backoff);
  }
}
