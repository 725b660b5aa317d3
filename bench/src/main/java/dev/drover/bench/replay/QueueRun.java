package dev.drover.bench.replay;

import java.util.List;

/** What one queue's simulation produced: every finished job, jobs that could never fit, and the core's CPU time. */
public record QueueRun(QueueCapacity capacity, List<JobOutcome> outcomes, long infeasibleJobs, long schedulerCpuNanos,
                       long cycles) {

    public QueueRun {
        outcomes = List.copyOf(outcomes);
    }
}
