package dev.drover.coordinator.persistence;

import java.time.Duration;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.apache.pekko.actor.typed.SupervisorStrategy;

/**
 * What an event-sourced entity does when the journal fails a write or a replay (Cassandra down):
 * it restarts with backoff and recovers from the journal, so service resumes by itself when the
 * store returns. The command that failed gets no reply; its caller times out and answers 503.
 */
public final class StoreFailures {
  private StoreFailures() {}

  public static BackoffSupervisorStrategy restartWithBackoff() {
    return SupervisorStrategy.restartWithBackoff(Duration.ofMillis(500), Duration.ofSeconds(5), 0.2);
  }
}
