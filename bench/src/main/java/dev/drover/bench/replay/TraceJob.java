package dev.drover.bench.replay;

import java.util.Objects;

/** One row of a job trace: when it was submitted, how long it really ran, how many GPUs it asked for, and its queue. */
public record TraceJob(String jobId, long row, long submitS, long durationS, int gpus, String queue) {

    public TraceJob {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(queue, "queue");
        if (submitS < 0 || durationS < 0) {
            throw new IllegalArgumentException("job " + jobId + " has a negative time");
        }
        if (gpus < 1) {
            throw new IllegalArgumentException("job " + jobId + " asks for " + gpus + " GPUs; a replay needs at least one");
        }
    }
}
