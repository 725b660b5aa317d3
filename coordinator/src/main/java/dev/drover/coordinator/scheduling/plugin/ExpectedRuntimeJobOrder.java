package dev.drover.coordinator.scheduling.plugin;

import dev.drover.coordinator.scheduling.model.PendingJob;
import java.time.Duration;
import java.util.Objects;

/**
 * Shortest expected runtime first within a priority, with aging so that no job starves: a job's estimate counts
 * for less the longer it has waited, by {@code agingRate} seconds per second of waiting, so at any instant jobs
 * are ordered by {@code expectedRuntime - agingRate x waited}. That is the same as ordering by the instant the aged
 * estimate reaches zero, {@code submittedAt + expectedRuntime / agingRate}, which does not depend on the clock: the
 * order needs no "now", is the same in every cycle, and a job can only be passed by jobs submitted before that
 * instant, so it waits at most for those. Ties, and jobs with equal estimates, go in submit order.
 *
 * <p>A job without an estimate counts as {@code missingEstimate} (meant to be the typical runtime, so such jobs go
 * neither first nor last); jobs that all lack one keep today's order, priority then submit time then submit
 * sequence, which is priority then submit sequence wherever the sequence follows the submit time (as the
 * coordinator's does).
 */
public final class ExpectedRuntimeJobOrder implements JobOrder {
    public static final String NAME = "expected-runtime";
    /** Waiting one second offsets this many seconds of expected runtime (tuned on the Philly replay, docs/benchmarks.md). */
    public static final double DEFAULT_AGING_RATE = 0.2;
    /** About the median runtime of a GPU job in the Philly trace (1,144 s); only used for jobs with no estimate. */
    public static final Duration DEFAULT_MISSING_ESTIMATE = Duration.ofMinutes(20);

    private final double agingRate;
    private final Duration missingEstimate;

    public ExpectedRuntimeJobOrder() {
        this(DEFAULT_AGING_RATE, DEFAULT_MISSING_ESTIMATE);
    }

    public ExpectedRuntimeJobOrder(double agingRate, Duration missingEstimate) {
        if (!(agingRate > 0) || Double.isInfinite(agingRate)) {
            throw new IllegalArgumentException("agingRate must be positive and finite: " + agingRate);
        }
        Objects.requireNonNull(missingEstimate, "missingEstimate");
        if (missingEstimate.isNegative()) {
            throw new IllegalArgumentException("missingEstimate must not be negative: " + missingEstimate);
        }
        this.agingRate = agingRate;
        this.missingEstimate = missingEstimate;
    }

    @Override
    public String name() {
        return NAME;
    }

    public double agingRate() {
        return agingRate;
    }

    public Duration missingEstimate() {
        return missingEstimate;
    }

    @Override
    public int compare(PendingJob a, PendingJob b) {
        int byPriority = Integer.compare(b.priority(), a.priority());
        if (byPriority != 0) {
            return byPriority;
        }
        int byAgedEstimate = Long.compare(zeroAt(a), zeroAt(b));
        if (byAgedEstimate != 0) {
            return byAgedEstimate;
        }
        int bySubmitTime = a.submittedAt().compareTo(b.submittedAt());
        if (bySubmitTime != 0) {
            return bySubmitTime;
        }
        int bySeq = Long.compare(a.submitSeq(), b.submitSeq());
        return bySeq != 0 ? bySeq : a.jobId().compareTo(b.jobId());
    }

    /** Milliseconds since the epoch at which the job's aged estimate reaches zero. */
    long zeroAt(PendingJob job) {
        Duration estimate = job.expectedRuntime() == null ? missingEstimate : job.expectedRuntime();
        // Saturating: an absurd estimate must sort last, not overflow to first.
        double offset = estimate.toMillis() / agingRate;
        long submitted = job.submittedAt().toEpochMilli();
        return offset >= Long.MAX_VALUE - (double) Math.max(0, submitted) ? Long.MAX_VALUE : submitted + (long) offset;
    }
}
