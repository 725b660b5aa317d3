package dev.drover.cli.queue;

import dev.drover.cli.DroverCli;
import dev.drover.cli.output.OutputFormat;
import dev.drover.protocol.api.QueueRequest;
import dev.drover.protocol.api.QueueView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code drover update-queue NAME ...}: change a queue (admin); options not given keep their values. */
@Command(name = "update-queue", description = "Change a queue (admin); options not given keep their current values.")
public final class UpdateQueueCommand implements Runnable {
  @ParentCommand DroverCli cli;

  @Parameters(index = "0", paramLabel = "QUEUE", description = "Queue name.")
  String name;

  @Mixin QueueOptions options;

  @Override
  public void run() {
    QueueView current = cli.client().queue(name);
    QueueRequest r = new QueueRequest(name,
        options.parent != null ? options.parent : current.parent(),
        options.guaranteedGpus != null ? options.guaranteedGpus : current.guaranteedGpus(),
        options.weight != null ? options.weight : current.weight(),
        options.borrowLimitGpus != null ? options.borrowLimitGpus : current.borrowLimitGpus());
    QueueView q = cli.client().updateQueue(name, r);
    if (cli.output() != OutputFormat.TABLE) {
      cli.output().print(q, cli.out());
      return;
    }
    cli.out().println("queue " + q.name() + " updated: " + q.guaranteedGpus() + " GPUs guaranteed, weight "
        + QueuesCommand.weight(q.weight()) + ", may borrow " + q.borrowLimitGpus());
    cli.out().flush();
  }
}
