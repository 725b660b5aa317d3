package dev.drover.cli.queue;

import dev.drover.cli.DroverCli;
import dev.drover.cli.output.OutputFormat;
import dev.drover.protocol.api.QueueView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code drover create-queue NAME ...}: a new queue (admin). */
@Command(name = "create-queue", description = "Create a queue (admin).")
public final class CreateQueueCommand implements Runnable {
  @ParentCommand DroverCli cli;

  @Parameters(index = "0", paramLabel = "QUEUE", description = "Queue name.")
  String name;

  @Mixin QueueOptions options;

  @Override
  public void run() {
    QueueView q = cli.client().createQueue(options.request(name));
    if (cli.output() != OutputFormat.TABLE) {
      cli.output().print(q, cli.out());
      return;
    }
    cli.out().println("queue " + q.name() + " created: " + q.guaranteedGpus() + " GPUs guaranteed, weight "
        + QueuesCommand.weight(q.weight()) + ", may borrow " + q.borrowLimitGpus());
    cli.out().flush();
  }
}
