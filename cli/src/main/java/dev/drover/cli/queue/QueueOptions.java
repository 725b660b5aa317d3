package dev.drover.cli.queue;

import dev.drover.protocol.api.QueueRequest;
import picocli.CommandLine.Option;

/** The settings of a queue, shared by create-queue and update-queue. */
public final class QueueOptions {
  @Option(names = "--parent", paramLabel = "QUEUE", description = "Parent queue (its guarantee contains this one's).")
  String parent;

  @Option(names = "--guaranteed-gpus", paramLabel = "N", description = "GPUs the queue is always entitled to.")
  Integer guaranteedGpus;

  @Option(names = "--weight", paramLabel = "W", description = "Share of idle capacity relative to sibling queues.")
  Double weight;

  @Option(names = "--borrow-limit", paramLabel = "N", description = "GPUs it may borrow beyond its guarantee while idle.")
  Integer borrowLimitGpus;

  QueueRequest request(String name) {
    return new QueueRequest(name, parent, guaranteedGpus, weight, borrowLimitGpus);
  }
}
