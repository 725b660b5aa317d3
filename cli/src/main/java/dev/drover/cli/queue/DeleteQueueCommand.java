package dev.drover.cli.queue;

import dev.drover.cli.DroverCli;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code drover delete-queue NAME}: remove an empty queue (admin). */
@Command(name = "delete-queue", description = "Delete a queue without jobs or child queues (admin).")
public final class DeleteQueueCommand implements Runnable {
  @ParentCommand DroverCli cli;

  @Parameters(index = "0", paramLabel = "QUEUE", description = "Queue name.")
  String name;

  @Override
  public void run() {
    cli.client().deleteQueue(name);
    cli.out().println("queue " + name + " deleted");
    cli.out().flush();
  }
}
