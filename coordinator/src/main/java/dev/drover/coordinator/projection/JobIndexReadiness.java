package dev.drover.coordinator.projection;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;

/**
 * Pekko Management readiness check (Cassandra mode): not ready until this coordinator's
 * {@link JobIndex} has loaded the job_index table, so a load balancer asking {@code /ready} does
 * not send job listings to a coordinator that would answer with part of the jobs.
 */
public final class JobIndexReadiness implements Supplier<CompletionStage<Boolean>> {
  private final JobIndexTable table;

  public JobIndexReadiness(ActorSystem system) {
    this.table = JobIndexTable.get(Adapter.toTyped(system));
  }

  @Override
  public CompletionStage<Boolean> get() {
    return CompletableFuture.completedFuture(table.indexLoaded().toCompletableFuture().isDone());
  }
}
