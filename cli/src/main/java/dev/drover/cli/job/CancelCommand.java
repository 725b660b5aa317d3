package dev.drover.cli.job;

import dev.drover.cli.DroverCli;
import dev.drover.cli.output.OutputFormat;
import dev.drover.protocol.api.JobView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code drover cancel JOB}: asks the server to stop every replica of the job; returns once it is asked. */
@Command(name = "cancel", description = "Cancel a job: stop all its replicas (exit 5 if it already finished).")
public final class CancelCommand implements Runnable {
  @ParentCommand DroverCli cli;

  @Parameters(index = "0", paramLabel = "JOB", description = "Job id.")
  String jobId;

  @Override
  public void run() {
    JobView job = cli.client().cancel(jobId);
    if (cli.output() != OutputFormat.TABLE) {
      cli.output().print(job, cli.out());
      return;
    }
    cli.out().println("job " + job.id() + " cancel requested, state " + job.state());
    cli.out().flush();
  }
}
