package dev.drover.protocol.api;

import java.util.List;

/** A job's history in journal order. */
public record JobEvents(String jobId, List<JobEventView> events) {}
