package dev.drover.cli;

import dev.drover.cli.http.ApiException;
import dev.drover.cli.http.ServerUnreachableException;
import dev.drover.protocol.spec.FieldError;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/** Turns every failure into one "error: ..." line (plus one line per field at fault) and its exit code. */
final class FailureHandler implements IExecutionExceptionHandler, IParameterExceptionHandler {
  private final DroverCli cli;

  FailureHandler(DroverCli cli) {
    this.cli = cli;
  }

  @Override
  public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parseResult) {
    // After Ctrl-C the command's stream breaks as the JVM goes down; that is no error to report.
    if (cli.interrupted()) return ExitCodes.INTERRUPTED;
    PrintWriter err = cmd.getErr();
    int code;
    if (ex instanceof ApiException api) {
      err.println("error: " + api.getMessage());
      for (FieldError f : api.problem().errors()) err.println("  " + f);
      code = ExitCodes.forStatus(api.status());
    } else if (ex instanceof ServerUnreachableException) {
      err.println("error: " + ex.getMessage());
      code = ExitCodes.UNREACHABLE;
    } else if (ex instanceof CliException c) {
      err.println("error: " + c.getMessage());
      code = c.exitCode();
    } else {
      String m = ex.getMessage();
      err.println("error: " + (m == null || m.isBlank() ? ex.getClass().getName() : m));
      code = ExitCodes.FAILURE;
    }
    if (cli.debug()) ex.printStackTrace(err);
    err.flush();
    return code;
  }

  @Override
  public int handleParseException(ParameterException ex, String[] args) {
    CommandLine cmd = ex.getCommandLine();
    PrintWriter err = cmd.getErr();
    err.println("error: " + ex.getMessage());
    CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
    err.println("  run '" + cmd.getCommandSpec().qualifiedName() + " --help' for usage");
    err.flush();
    return ExitCodes.USAGE;
  }
}
