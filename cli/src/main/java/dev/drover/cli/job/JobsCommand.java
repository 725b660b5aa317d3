package dev.drover.cli.job;

import dev.drover.cli.DroverCli;
import dev.drover.cli.http.DroverClient;
import dev.drover.cli.http.JobQuery;
import dev.drover.cli.output.HumanFormat;
import dev.drover.cli.output.OutputFormat;
import dev.drover.cli.output.Table;
import dev.drover.protocol.api.JobPage;
import dev.drover.protocol.api.JobState;
import dev.drover.protocol.api.JobView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code drover jobs}: one page of jobs, newest first, or every page with {@code --all}. */
@Command(name = "jobs", aliases = "get", description = "List jobs, newest first.")
public final class JobsCommand implements Runnable {
  static final int REASON_WIDTH = 60;

  @ParentCommand DroverCli cli;

  @Option(names = "--state", paramLabel = "STATE", description = "Only jobs in this state, e.g. PENDING, RUNNING, FAILED.")
  String state;

  @Option(names = "--queue", paramLabel = "QUEUE", description = "Only jobs of this queue.")
  String queue;

  @Option(names = "--limit", paramLabel = "N", description = "Jobs per page (the server's default when not given).")
  Integer limit;

  @Option(names = "--all", description = "Follow the pages to the end instead of printing only the first.")
  boolean all;

  @Override
  public void run() {
    DroverClient client = cli.client();
    JobQuery query = new JobQuery(state == null ? null : state.toUpperCase(Locale.ROOT), queue, limit, null);
    JobPage page = client.jobs(query);
    if (all) {
      List<JobView> items = new ArrayList<>(page.items() == null ? List.of() : page.items());
      // A server that hands back a cursor it already gave would otherwise loop forever.
      Set<String> seen = new HashSet<>();
      String cursor = page.nextCursor();
      while (cursor != null && seen.add(cursor)) {
        JobPage next = client.jobs(query.withCursor(cursor));
        if (next.items() != null) items.addAll(next.items());
        cursor = next.nextCursor();
      }
      page = new JobPage(items, null);
    }
    if (cli.output() != OutputFormat.TABLE) {
      cli.output().print(page, cli.out());
      return;
    }
    List<JobView> jobs = page.items() == null ? List.of() : page.items();
    if (jobs.isEmpty()) {
      cli.err().println("no jobs found");
      cli.err().flush();
      return;
    }
    cli.out().print(table(jobs, cli.clock().instant()));
    if (page.nextCursor() != null) {
      cli.out().println("(more jobs: pass --all to list every page)");
    }
    cli.out().flush();
  }

  /** The jobs table: ID NAME QUEUE STATE GPUS AGE REASON. */
  public static String table(List<JobView> jobs, Instant now) {
    Table t = Table.withColumns("ID", "NAME", "QUEUE", "STATE", "GPUS", "AGE", "REASON");
    for (JobView j : jobs) {
      t.row(j.id(), j.name(), j.queue(), j.state(), gpus(j), HumanFormat.ago(j.submittedAt(), now),
          HumanFormat.truncate(reason(j), REASON_WIDTH));
    }
    return t.render();
  }

  /** Total GPUs of the gang, with its shape when there is more than one replica: "8 (2x4)". */
  static String gpus(JobView j) {
    int total = j.replicas() * j.gpusPerReplica();
    return j.replicas() > 1 ? total + " (" + j.replicas() + "x" + j.gpusPerReplica() + ")" : Integer.toString(total);
  }

  /** Why a job waits, or how it ended: whichever the state makes relevant. */
  static String reason(JobView j) {
    if (j.state() == JobState.PENDING && j.pendingReason() != null) return j.pendingReason();
    return j.message();
  }
}
