package dev.drover.cli.http;

import dev.drover.protocol.api.Problem;

/** The server answered with an error status; the problem says why, down to the fields at fault. */
public final class ApiException extends RuntimeException {
  private final Problem problem;

  public ApiException(Problem problem) {
    super(message(problem));
    this.problem = problem;
  }

  public Problem problem() {
    return problem;
  }

  public int status() {
    return problem.status();
  }

  private static String message(Problem p) {
    if (p.detail() != null && !p.detail().isBlank()) return p.detail();
    if (p.title() != null && !p.title().isBlank()) return p.title();
    return "the server answered HTTP " + p.status();
  }
}
