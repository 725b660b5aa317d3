package dev.drover.bench.load;

import java.time.Duration;
import java.time.Instant;

/**
 * One submitted job, as the load tool saw it and as its journaled history tells it.
 *
 * @param n the job's number in the run
 * @param coordinator index of the coordinator that accepted it (-1: none did)
 * @param submittedAt client clock, just before the first POST
 * @param acceptNanos from the first POST until the accepting answer (retries included), by the client's monotonic clock
 * @param attempts POSTs it took (1 unless a coordinator refused or failed)
 * @param error why no coordinator accepted it; null when one did
 * @param scheduledAt when the scheduler placed it (its first JobScheduled event), coordinator clock
 * @param runningAt when all replicas of one attempt had started (their ReplicaStarted events), agent clock; null when it never ran
 * @param state the job's state when the tool last looked
 * @param finishedAt when the job reached its final state (its JobSucceeded, JobFailed or JobCancelled event), coordinator clock;
 *     null while it has not, or when the tool did not wait for it
 */
public record JobTiming(int n, String id, int coordinator, Instant submittedAt, long acceptNanos, int attempts, String error,
                        Instant scheduledAt, Instant runningAt, String state, Instant finishedAt) {

    public JobTiming(int n, String id, int coordinator, Instant submittedAt, long acceptNanos, int attempts, String error,
                     Instant scheduledAt, Instant runningAt, String state) {
        this(n, id, coordinator, submittedAt, acceptNanos, attempts, error, scheduledAt, runningAt, state, null);
    }

    public boolean accepted() {
        return id != null;
    }

    public boolean ran() {
        return runningAt != null;
    }

    public double acceptMillis() {
        return acceptNanos / 1e6;
    }

    /** Submit to scheduled in milliseconds; NaN when it was never scheduled. */
    public double scheduledMillis() {
        return scheduledAt == null ? Double.NaN : Duration.between(submittedAt, scheduledAt).toNanos() / 1e6;
    }

    /** Submit to running in milliseconds; NaN when it never ran. */
    public double runningMillis() {
        return runningAt == null ? Double.NaN : Duration.between(submittedAt, runningAt).toNanos() / 1e6;
    }

    public boolean finished() {
        return finishedAt != null;
    }

    JobTiming withHistory(Instant scheduled, Instant running, Instant finished, String lastState) {
        return new JobTiming(n, id, coordinator, submittedAt, acceptNanos, attempts, error, scheduled, running, lastState, finished);
    }

    JobTiming withState(String lastState) {
        return new JobTiming(n, id, coordinator, submittedAt, acceptNanos, attempts, error, scheduledAt, runningAt, lastState, finishedAt);
    }
}
