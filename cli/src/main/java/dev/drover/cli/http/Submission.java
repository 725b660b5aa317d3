package dev.drover.cli.http;

import dev.drover.protocol.api.JobView;

/**
 * The answer to a job submission.
 *
 * @param created false when the server had already seen the idempotency key and returned that job
 */
public record Submission(JobView job, boolean created) {}
