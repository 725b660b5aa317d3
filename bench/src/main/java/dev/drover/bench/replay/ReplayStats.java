package dev.drover.bench.replay;

import java.util.Arrays;
import java.util.List;

/**
 * The figures a replay reports for one queue or for all of them; field names match the JSON output.
 * {@code gpuUtilization} is GPU-seconds held by jobs over (GPUs x makespan); makespan runs from the first
 * submit to the last finish.
 */
public record ReplayStats(long jobs, double avgJctS, double avgQueueS, double p99QueueS, double maxQueueS, double makespanS,
                          double gpuUtilization, double schedulerCpuS) {

    /** Statistics of {@code outcomes} on a cluster of {@code clusterGpus} GPUs. */
    public static ReplayStats of(List<JobOutcome> outcomes, long clusterGpus, long schedulerCpuNanos) {
        double cpu = schedulerCpuNanos / 1e9;
        if (outcomes.isEmpty()) {
            return new ReplayStats(0, 0, 0, 0, 0, 0, 0, cpu);
        }
        long[] queue = new long[outcomes.size()];
        double jctSum = 0;
        double queueSum = 0;
        double gpuSeconds = 0;
        long firstSubmit = Long.MAX_VALUE;
        long lastFinish = Long.MIN_VALUE;
        for (int i = 0; i < queue.length; i++) {
            JobOutcome o = outcomes.get(i);
            queue[i] = o.queueS();
            jctSum += o.jctS();
            queueSum += o.queueS();
            gpuSeconds += (double) o.gpus() * (o.finishS() - o.startS());
            firstSubmit = Math.min(firstSubmit, o.submitS());
            lastFinish = Math.max(lastFinish, o.finishS());
        }
        Arrays.sort(queue);
        // Nearest-rank percentile: the smallest value with at least 99 % of jobs at or below it.
        int p99 = (int) Math.ceil(0.99 * queue.length) - 1;
        long makespan = lastFinish - firstSubmit;
        double utilization = makespan > 0 && clusterGpus > 0 ? gpuSeconds / ((double) clusterGpus * makespan) : 0;
        return new ReplayStats(queue.length, jctSum / queue.length, queueSum / queue.length, queue[p99],
                queue[queue.length - 1], makespan, utilization, cpu);
    }
}
