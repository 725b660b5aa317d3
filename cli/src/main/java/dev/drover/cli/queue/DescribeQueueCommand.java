package dev.drover.cli.queue;

import dev.drover.cli.DroverCli;
import dev.drover.cli.output.OutputFormat;
import dev.drover.protocol.api.QueueView;
import java.io.PrintWriter;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code drover describe-queue NAME}: one queue's quota and usage. */
@Command(name = "describe-queue", description = "Show one queue: quota, weight, borrowing, usage.")
public final class DescribeQueueCommand implements Runnable {
  @ParentCommand DroverCli cli;

  @Parameters(index = "0", paramLabel = "QUEUE", description = "Queue name.")
  String name;

  @Override
  public void run() {
    QueueView q = cli.client().queue(name);
    if (cli.output() != OutputFormat.TABLE) {
      cli.output().print(q, cli.out());
      return;
    }
    PrintWriter out = cli.out();
    out.println("Name:          " + q.name());
    out.println("Parent:        " + (q.parent() == null ? "-" : q.parent()));
    out.println("Guaranteed:    " + q.guaranteedGpus() + " GPUs");
    out.println("Weight:        " + QueuesCommand.weight(q.weight()));
    out.println("Borrow limit:  " + q.borrowLimitGpus() + " GPUs beyond the guarantee");
    out.println("In use:        " + q.gpusAllocated() + " GPUs (" + q.gpusBorrowed() + " borrowed)");
    out.println("Fair share:    " + String.format(Locale.ROOT, "%.3f", q.fairShare()));
    out.println("Jobs:          " + q.runningJobs() + " running, " + q.pendingJobs() + " waiting");
    out.flush();
  }
}
