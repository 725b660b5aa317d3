package dev.drover.cli.queue;

import dev.drover.cli.DroverCli;
import dev.drover.cli.output.OutputFormat;
import dev.drover.cli.output.Table;
import dev.drover.protocol.api.QueueList;
import dev.drover.protocol.api.QueueView;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code drover queues}: every queue with its quota and usage. */
@Command(name = "queues", description = "List queues: guaranteed GPUs, weight, borrowing limit, usage and waiting jobs.")
public final class QueuesCommand implements Runnable {
  @ParentCommand DroverCli cli;

  @Override
  public void run() {
    QueueList queues = cli.client().queues();
    if (cli.output() != OutputFormat.TABLE) {
      cli.output().print(queues, cli.out());
      return;
    }
    cli.out().print(table(queues.items() == null ? List.of() : queues.items()));
    cli.out().flush();
  }

  /** NAME PARENT GUARANTEED WEIGHT BORROW-LIMIT USED BORROWED SHARE RUNNING PENDING; children indented. */
  public static String table(List<QueueView> queues) {
    Table t = Table.withColumns("NAME", "PARENT", "GUARANTEED", "WEIGHT", "BORROW-LIMIT", "USED", "BORROWED", "SHARE", "RUNNING", "PENDING");
    for (QueueView q : queues) {
      t.row(q.name(), q.parent(), q.guaranteedGpus(), weight(q.weight()), q.borrowLimitGpus(), q.gpusAllocated(), q.gpusBorrowed(),
          String.format(Locale.ROOT, "%.2f", q.fairShare()), q.runningJobs(), q.pendingJobs());
    }
    return t.render();
  }

  static String weight(double w) {
    return w == Math.rint(w) ? Long.toString((long) w) : String.format(Locale.ROOT, "%.2f", w);
  }
}
