package dev.drover.cli;

/** A failure the CLI explains in one line, with the exit code a script can branch on. */
public final class CliException extends RuntimeException {
  private final int exitCode;

  public CliException(String message, int exitCode) {
    super(message);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
