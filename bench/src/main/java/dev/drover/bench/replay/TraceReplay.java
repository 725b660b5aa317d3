package dev.drover.bench.replay;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Replays a job trace against the production scheduling core, one independent cluster per queue of the
 * capacity file, and summarizes job completion and queueing times.
 */
public final class TraceReplay {
    /**
     * Jobs offered to one cycle at most. Any value gives the same placements (see {@link QueueSimulation});
     * this one keeps a cycle short when thousands wait, while rarely needing a second slice at one instant.
     */
    public static final int DEFAULT_MAX_JOBS_PER_CYCLE = 256;

    private TraceReplay() {
    }

    public static ReplayResult run(List<TraceJob> jobs, List<QueueCapacity> capacities, Policy policy, double scaleCapacity,
                                   int maxJobsPerCycle) {
        return run(jobs, capacities, policy, scaleCapacity, maxJobsPerCycle, EstimateSettings.DEFAULTS);
    }

    static ReplayResult run(List<TraceJob> jobs, List<QueueCapacity> capacities, Policy policy, double scaleCapacity,
                            int maxJobsPerCycle, EstimateSettings estimates) {
        Map<String, QueueCapacity> byQueue = new LinkedHashMap<>();
        for (QueueCapacity capacity : capacities) {
            byQueue.put(capacity.queue(), scaleCapacity == 1.0 ? capacity : capacity.scaled(scaleCapacity));
        }
        Map<String, List<TraceJob>> jobsByQueue = new HashMap<>();
        Map<String, Long> unlisted = new TreeMap<>();
        long unlistedRows = 0;
        for (TraceJob job : jobs) {
            if (byQueue.containsKey(job.queue())) {
                jobsByQueue.computeIfAbsent(job.queue(), q -> new ArrayList<>()).add(job);
            } else {
                unlisted.merge(job.queue(), 1L, Long::sum);
                unlistedRows++;
            }
        }
        Map<String, ReplayStats> queues = new LinkedHashMap<>();
        List<JobOutcome> all = new ArrayList<>();
        long totalGpus = 0;
        long cpuNanos = 0;
        long infeasible = 0;
        for (QueueCapacity capacity : byQueue.values()) {
            QueueRun run = new QueueSimulation(capacity, policy, maxJobsPerCycle, estimates)
                    .run(jobsByQueue.getOrDefault(capacity.queue(), List.of()));
            queues.put(capacity.queue(), ReplayStats.of(run.outcomes(), capacity.gpus(), run.schedulerCpuNanos()));
            all.addAll(run.outcomes());
            totalGpus += capacity.gpus();
            cpuNanos += run.schedulerCpuNanos();
            infeasible += run.infeasibleJobs();
        }
        return new ReplayResult(policy, ReplayStats.of(all, totalGpus, cpuNanos), queues, unlistedRows, unlisted, infeasible);
    }
}
