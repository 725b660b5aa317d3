package dev.drover.cli;

/** The exit codes of {@code drover}, documented in docs/cli.md; scripts depend on them. */
public final class ExitCodes {
  public static final int OK = 0;
  /** The server answered with an error, or anything else went wrong. */
  public static final int FAILURE = 1;
  /** The command line is wrong (picocli's usage error code). */
  public static final int USAGE = 2;
  public static final int NOT_FOUND = 3;
  /** 401 or 403: the token is missing, wrong, or not allowed to do this. */
  public static final int AUTH = 4;
  /** 409: e.g. cancelling a job that already finished. */
  public static final int CONFLICT = 5;
  public static final int UNREACHABLE = 6;
  /** What a shell reports for a process ended by Ctrl-C (128 + SIGINT). */
  public static final int INTERRUPTED = 130;

  private ExitCodes() {}

  /** The exit code for an HTTP error status. */
  public static int forStatus(int status) {
    return switch (status) {
      case 401, 403 -> AUTH;
      case 404 -> NOT_FOUND;
      case 409 -> CONFLICT;
      default -> FAILURE;
    };
  }
}
