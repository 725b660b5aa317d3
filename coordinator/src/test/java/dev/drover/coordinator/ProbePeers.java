package dev.drover.coordinator;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.drover.coordinator.job.JobEntity;
import dev.drover.coordinator.node.NodeEntity;
import dev.drover.coordinator.scheduling.SchedulerSingleton;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;

/** Peers of an entity under test: test probes that stand in for the scheduler, jobs and nodes. */
public final class ProbePeers implements Peers {
  private final TestProbe<SchedulerSingleton.Command> scheduler;
  private final TestProbe<JobEntity.Command> jobs;
  private final TestProbe<NodeEntity.Command> nodes;

  public ProbePeers(
      TestProbe<SchedulerSingleton.Command> scheduler, TestProbe<JobEntity.Command> jobs, TestProbe<NodeEntity.Command> nodes) {
    this.scheduler = scheduler;
    this.jobs = jobs;
    this.nodes = nodes;
  }

  /** The configuration of entity tests: in-memory journal, our serialization bindings, a local actor system. */
  public static Config testKitConfig() {
    return EventSourcedBehaviorTestKit.config()
        .withFallback(ConfigFactory.parseResources("serialization.conf"))
        .withFallback(ConfigFactory.parseString("pekko.actor.provider = local"))
        .withFallback(ConfigFactory.load())
        .resolve();
  }

  @Override
  public RecipientRef<SchedulerSingleton.Command> scheduler() {
    return scheduler.ref();
  }

  @Override
  public RecipientRef<JobEntity.Command> job(String jobId) {
    return jobs.ref();
  }

  @Override
  public RecipientRef<NodeEntity.Command> node(String name) {
    return nodes.ref();
  }
}
