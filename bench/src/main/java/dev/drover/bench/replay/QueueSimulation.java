package dev.drover.bench.replay;

import dev.drover.coordinator.scheduling.model.PendingJob;
import dev.drover.coordinator.scheduling.plugin.ExpectedRuntimeJobOrder;
import dev.drover.coordinator.scheduling.plugin.JobOrder;
import dev.drover.coordinator.scheduling.plugin.PriorityJobOrder;
import dev.drover.coordinator.scheduling.plugin.RuntimeHistory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.TreeMap;

/**
 * A discrete-event simulation of one queue's cluster in simulated seconds. Events are job arrivals (the
 * trace's submit time) and completions (start plus the trace's true duration); after every batch of events
 * at one instant the production core runs on the pending jobs, and its placements become allocations that
 * the next snapshot shows and the job's completion frees.
 *
 * <p>To keep thousands of waiting jobs from making every cycle slow, a cycle is given at most
 * {@code maxJobsPerCycle} jobs, in the core's own order, and only jobs whose GPUs could fit the free capacity
 * by count. This does not change any decision: the core places jobs one by one in that order on capacity
 * that only shrinks, so a job too big for the free capacity now is skipped by it anyway, and the next slice
 * is run, at the same instant, on the capacity the previous slice left. That argument holds for a core that only
 * allocates; once a job that does not fit can reserve capacity (backfill) or stop others (preemption), every pending
 * job of the queue has to be offered to one cycle.
 *
 * <p>Under {@code default}, a job's runtime estimate is what a {@link RuntimeHistory} fed with this queue's completed
 * jobs says when the job arrives (only jobs finished by then, so nothing from the future and never the job's own
 * duration); it is fixed from then on, so the core's order of the pending jobs never changes and one sorted map
 * serves every cycle.
 */
final class QueueSimulation {
    private final QueueCapacity capacity;
    private final Policy policy;
    private final int maxJobsPerCycle;
    private final List<SimulatedNode> nodes = new ArrayList<>();
    private final SchedulingCoreAdapter core;
    /** Runtimes of this queue's completed jobs; only under {@code default}. */
    private final RuntimeHistory history;
    /** Pending jobs in the core's own job order (every trace job has priority 0 and this one queue). */
    private final TreeMap<PendingJob, SimulatedJob> pending;
    private final PriorityQueue<SimulatedJob> running = new PriorityQueue<>(
            Comparator.comparingLong(SimulatedJob::finishS).thenComparingLong(j -> j.submitSeq));
    private final List<JobOutcome> outcomes = new ArrayList<>();
    private long infeasible;

    QueueSimulation(QueueCapacity capacity, Policy policy, int maxJobsPerCycle, EstimateSettings estimates) {
        if (maxJobsPerCycle < 1) {
            throw new IllegalArgumentException("maxJobsPerCycle must be >= 1");
        }
        this.capacity = capacity;
        this.policy = policy;
        this.maxJobsPerCycle = maxJobsPerCycle;
        int digits = String.valueOf(capacity.nodes() - 1).length();
        for (int i = 0; i < capacity.nodes(); i++) {
            // Zero-padded so the core's name order is the index order.
            nodes.add(new SimulatedNode(i, String.format("%s-n%0" + digits + "d", capacity.queue(), i), capacity.gpusPerNode()));
        }
        JobOrder order = policy.learnsRuntimes()
                ? new ExpectedRuntimeJobOrder(estimates.agingRate(), ExpectedRuntimeJobOrder.DEFAULT_MISSING_ESTIMATE)
                : new PriorityJobOrder();
        this.history = policy.learnsRuntimes() ? new RuntimeHistory(estimates.historyWindow(), estimates.historyMinSamples()) : null;
        this.pending = new TreeMap<>(order);
        this.core = new SchedulingCoreAdapter(capacity.queue(), nodes, order);
    }

    /** Replays {@code jobs} (this queue's, in submit order) to the end and returns what happened. */
    QueueRun run(List<TraceJob> jobs) {
        List<SimulatedJob> arrivals = new ArrayList<>(jobs.size());
        for (TraceJob job : jobs) {
            GangShape shape = GangShape.of(job.gpus(), capacity.gpusPerNode());
            if (!core.canEverFit(shape)) {
                infeasible++;
                continue;
            }
            arrivals.add(new SimulatedJob(job, shape, policy.submitSeq(job)));
        }
        arrivals.sort(Comparator.comparingLong((SimulatedJob j) -> j.trace.submitS()).thenComparingLong(j -> j.trace.row()));
        int next = 0;
        while (next < arrivals.size() || !running.isEmpty()) {
            long now = Long.MAX_VALUE;
            if (next < arrivals.size()) {
                now = arrivals.get(next).trace.submitS();
            }
            if (!running.isEmpty()) {
                now = Math.min(now, running.peek().finishS());
            }
            while (!running.isEmpty() && running.peek().finishS() == now) {
                complete(running.poll());
            }
            while (next < arrivals.size() && arrivals.get(next).trace.submitS() == now) {
                SimulatedJob job = arrivals.get(next++);
                Duration estimate = history == null ? null
                        : history.estimate(capacity.queue(), job.shape.totalGpus(), null).orElse(null);
                job.coreJob = core.pendingJob(job, estimate);
                pending.put(job.coreJob, job);
            }
            if (policy.headOfLineBlocking()) {
                scheduleHeadOfLine(now);
            } else {
                schedule(now);
            }
        }
        if (!pending.isEmpty()) {
            throw new IllegalStateException("queue " + capacity.queue() + ": " + pending.size()
                    + " jobs never started on an empty cluster; first " + pending.firstEntry().getValue().trace.jobId());
        }
        return new QueueRun(capacity, outcomes, infeasible, core.cpuNanos(), core.cycles());
    }

    /** No head-of-line blocking: every job that fits in the core's order starts now. */
    private void schedule(long now) {
        PendingJob after = null;
        while (!pending.isEmpty()) {
            int free = 0;
            int largest = 0;
            for (SimulatedNode node : nodes) {
                int f = node.freeGpus();
                free += f;
                largest = Math.max(largest, f);
            }
            if (free == 0) {
                return;
            }
            List<SimulatedJob> slice = new ArrayList<>();
            PendingJob last = null;
            for (SimulatedJob job : (after == null ? pending : pending.tailMap(after, false)).values()) {
                last = job.coreJob;
                if (job.shape.gpusPerReplica() <= largest && job.shape.totalGpus() <= free) {
                    slice.add(job);
                    if (slice.size() == maxJobsPerCycle) {
                        break;
                    }
                }
            }
            if (slice.isEmpty()) {
                return;
            }
            for (SimulatedJob.GangAssignment assignment : core.schedule(slice, now)) {
                start(assignment, now);
            }
            if (slice.size() < maxJobsPerCycle) {
                return;
            }
            after = last;
        }
    }

    /**
     * Strict FIFO: only the longest head of the queue whose GPUs fit the free capacity by count is offered,
     * and of the core's placements only those before the first job it could not place are kept.
     */
    private void scheduleHeadOfLine(long now) {
        while (!pending.isEmpty()) {
            long free = 0;
            for (SimulatedNode node : nodes) {
                free += node.freeGpus();
            }
            List<SimulatedJob> head = new ArrayList<>();
            for (SimulatedJob job : pending.values()) {
                if (job.shape.totalGpus() > free || head.size() == maxJobsPerCycle) {
                    break;
                }
                free -= job.shape.totalGpus();
                head.add(job);
            }
            if (head.isEmpty()) {
                return;
            }
            List<SimulatedJob.GangAssignment> placed = core.schedule(head, now);
            // The core decides in job order, so the placements before the first miss do not depend on later jobs.
            int kept = 0;
            while (kept < placed.size() && placed.get(kept).job() == head.get(kept)) {
                start(placed.get(kept), now);
                kept++;
            }
            if (kept < head.size() || head.size() < maxJobsPerCycle) {
                return;
            }
        }
    }

    private void start(SimulatedJob.GangAssignment assignment, long now) {
        SimulatedJob job = assignment.job();
        for (int r = 0; r < assignment.replicaNodes().size(); r++) {
            SimulatedNode node = nodes.get(assignment.replicaNodes().get(r));
            for (int gpu : assignment.replicaGpus().get(r)) {
                if (node.allocatedGpus.get(gpu)) {
                    throw new IllegalStateException("GPU " + gpu + " of " + node.name + " given to two jobs");
                }
                node.allocatedGpus.set(gpu);
            }
            node.version++;
        }
        SimulatedNode master = nodes.get(assignment.masterNode());
        master.portsInUse.set(assignment.masterPort());
        master.version++;
        job.startS = now;
        job.assignment = assignment;
        pending.remove(job.coreJob);
        running.add(job);
    }

    private void complete(SimulatedJob job) {
        SimulatedJob.GangAssignment assignment = job.assignment;
        for (int r = 0; r < assignment.replicaNodes().size(); r++) {
            SimulatedNode node = nodes.get(assignment.replicaNodes().get(r));
            for (int gpu : assignment.replicaGpus().get(r)) {
                node.allocatedGpus.clear(gpu);
            }
            node.version++;
        }
        SimulatedNode master = nodes.get(assignment.masterNode());
        master.portsInUse.clear(assignment.masterPort());
        master.version++;
        if (history != null) {
            // The trace has no job name, so jobs are alike by queue and GPU count only.
            history.record(capacity.queue(), job.shape.totalGpus(), null, Duration.ofSeconds(job.trace.durationS()));
        }
        outcomes.add(new JobOutcome(job.trace.jobId(), job.trace.submitS(), job.startS, job.finishS(), job.shape.totalGpus()));
    }
}
