package dev.drover.coordinator;

import dev.drover.coordinator.job.JobEntity;
import dev.drover.coordinator.node.NodeEntity;
import dev.drover.coordinator.scheduling.SchedulerSingleton;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/** How entities reach each other; in production through sharding and the singleton proxy, in tests probes. */
public interface Peers {
  RecipientRef<SchedulerSingleton.Command> scheduler();

  RecipientRef<JobEntity.Command> job(String jobId);

  RecipientRef<NodeEntity.Command> node(String name);

  /** Peers of a running coordinator: sharded entities and the scheduler singleton's proxy. */
  static Peers cluster(ActorSystem<?> system) {
    ClusterSharding sharding = ClusterSharding.get(system);
    return new Peers() {
      @Override
      public RecipientRef<SchedulerSingleton.Command> scheduler() {
        return SchedulerSingleton.proxy(system);
      }

      @Override
      public RecipientRef<JobEntity.Command> job(String jobId) {
        return sharding.entityRefFor(JobEntity.ENTITY_KEY, jobId);
      }

      @Override
      public RecipientRef<NodeEntity.Command> node(String name) {
        return sharding.entityRefFor(NodeEntity.ENTITY_KEY, name);
      }
    };
  }
}
