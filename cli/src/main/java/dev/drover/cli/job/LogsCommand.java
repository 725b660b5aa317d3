package dev.drover.cli.job;

import dev.drover.cli.CliException;
import dev.drover.cli.DroverCli;
import dev.drover.cli.ExitCodes;
import dev.drover.protocol.spec.Quantities;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code drover logs JOB}: a replica's output, streamed as it is written with {@code -f}. */
@Command(name = "logs", description = "Print a replica's log (stdout and stderr); -f follows it until the replica ends.")
public final class LogsCommand implements Runnable {
  @ParentCommand DroverCli cli;

  @Parameters(index = "0", paramLabel = "JOB", description = "Job id.")
  String jobId;

  @Option(names = {"-r", "--replica"}, paramLabel = "N", defaultValue = "0", description = "Replica rank (default 0).")
  int replica;

  @Option(names = {"-f", "--follow"}, description = "Keep printing as the replica writes, until it ends or Ctrl-C.")
  boolean follow;

  @Option(names = "--tail", paramLabel = "BYTES", description = "Only the last BYTES of the log, e.g. 4096 or 64Ki.")
  String tail;

  @Override
  public void run() {
    Long tailBytes = null;
    if (tail != null) {
      try {
        tailBytes = Quantities.parseBytes(tail);
      } catch (IllegalArgumentException e) {
        throw new CliException("--tail: " + e.getMessage(), ExitCodes.USAGE);
      }
    }
    if (replica < 0) throw new CliException("--replica must be 0 or more, got " + replica, ExitCodes.USAGE);
    cli.client().logs(jobId, replica, follow, tailBytes, cli.out());
    cli.out().flush();
  }
}
