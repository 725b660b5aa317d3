package dev.drover.protocol.api;

import java.util.List;

/** One page of jobs, newest first; pass nextCursor as ?cursor= for the next page (null at the end). */
public record JobPage(List<JobView> items, String nextCursor) {}
