package dev.drover.coordinator.scheduling.cycle;

import dev.drover.coordinator.scheduling.model.PendingJob;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cycle's job order: priority first; within a priority, the queue with the lowest weighted dominant
 * share goes next (re-read from {@link QueueUsage} at every step, so placements made in this cycle count);
 * within a queue, and between queues of equal share, the profile's order (submit order).
 *
 * <p>A requeued victim whose preemptor still waits goes after every other job: otherwise it could take
 * back, with its older submit time, the GPUs its own stop freed for the preemptor, and be preempted
 * again and again until its per-hour cap protects it and the preemptor starves.
 */
final class DrfOrder {
    private final Comparator<PendingJob> jobOrder;
    private final QueueUsage usage;
    /** Priority levels, highest first; each holds its queues' jobs in job order. */
    private final ArrayDeque<List<ArrayDeque<PendingJob>>> levels = new ArrayDeque<>();
    /** Victims whose preemptor is still pending, in job order. */
    private final ArrayDeque<PendingJob> deferred = new ArrayDeque<>();

    DrfOrder(List<PendingJob> pending, Comparator<PendingJob> jobOrder, QueueUsage usage) {
        this.jobOrder = jobOrder;
        this.usage = usage;
        java.util.Set<String> waiting = new java.util.HashSet<>();
        for (PendingJob job : pending) {
            waiting.add(job.jobId());
        }
        List<PendingJob> sorted = new ArrayList<>();
        List<PendingJob> later = new ArrayList<>();
        for (PendingJob job : pending) {
            boolean preemptorWaits = false;
            for (String preemptor : job.preemptedBy()) {
                preemptorWaits |= waiting.contains(preemptor);
            }
            (preemptorWaits ? later : sorted).add(job);
        }
        later.sort(jobOrder);
        deferred.addAll(later);
        sorted.sort(jobOrder);
        Map<String, ArrayDeque<PendingJob>> level = new LinkedHashMap<>();
        Integer priority = null;
        for (PendingJob job : sorted) {
            if (priority != null && priority != job.priority()) {
                levels.add(new ArrayList<>(level.values()));
                level = new LinkedHashMap<>();
            }
            priority = job.priority();
            level.computeIfAbsent(job.queue(), q -> new ArrayDeque<>()).add(job);
        }
        if (!level.isEmpty()) {
            levels.add(new ArrayList<>(level.values()));
        }
    }

    /** The next job to try, or null when every job has been handed out. */
    PendingJob next() {
        while (!levels.isEmpty()) {
            List<ArrayDeque<PendingJob>> level = levels.peekFirst();
            ArrayDeque<PendingJob> best = null;
            double bestShare = 0;
            for (ArrayDeque<PendingJob> queue : level) {
                if (queue.isEmpty()) {
                    continue;
                }
                double share = usage.weightedDominantShare(queue.peekFirst().queue());
                if (best == null || share < bestShare
                        || (share == bestShare && jobOrder.compare(queue.peekFirst(), best.peekFirst()) < 0)) {
                    best = queue;
                    bestShare = share;
                }
            }
            if (best != null) {
                return best.pollFirst();
            }
            levels.pollFirst();
        }
        return deferred.pollFirst();
    }
}
