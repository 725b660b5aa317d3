package dev.drover.cli.http;

/** Filters and paging of {@code GET /api/v1/jobs}; null means "not given", leaving the server's default. */
public record JobQuery(String state, String queue, Integer limit, String cursor) {
  public JobQuery withCursor(String next) {
    return new JobQuery(state, queue, limit, next);
  }
}
