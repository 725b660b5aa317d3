package dev.drover.bench.ledger;

import dev.drover.coordinator.job.ReplicaSlot;
import dev.drover.coordinator.scheduling.SchedulerSingleton.Allocation;
import dev.drover.coordinator.scheduling.SchedulerSingleton.Event;
import dev.drover.coordinator.scheduling.SchedulerSingleton.JobQueued;
import dev.drover.coordinator.scheduling.SchedulerSingleton.JobReleased;
import dev.drover.coordinator.scheduling.SchedulerSingleton.PlacementCommitted;
import dev.drover.coordinator.scheduling.SchedulerSingleton.PreemptionDecided;
import dev.drover.coordinator.scheduling.SchedulerSingleton.QueuedJob;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * A steady stream of allocation-ledger decisions, as a busy cluster makes them: jobs are queued,
 * placed on the GPUs of many nodes, and released when they end, so the live ledger stays bounded
 * (a full cluster plus a waiting queue) however many decisions are written. A few jobs are
 * preempted for higher-priority ones and requeued, a few are cancelled while they wait. The events
 * are the scheduler's own classes with realistic fields; deterministic for a seed.
 *
 * <p>Each step is one decision. While fewer than {@code targetPending} jobs wait a job arrives;
 * otherwise the highest-priority waiting job that fits is placed (best fit for one-node jobs,
 * whole free nodes for multi-node gangs, lowest free GPU indices); when none fits, a running job
 * ends (or is preempted) and frees its GPUs.
 */
public final class LedgerWorkload {
    /** Replicas x GPUs per replica, with their weights in percent: most jobs are small, a few are multi-node gangs. */
    private static final int[][] SHAPES = {{1, 1, 35}, {1, 2, 15}, {1, 4, 15}, {1, 8, 20}, {2, 8, 10}, {4, 8, 5}};
    private static final String[] NAMES = {"llama-7b-sft", "resnet50-imagenet", "bert-base-finetune", "sdxl-lora",
        "whisper-eval", "gpt-neox-pretrain", "vit-l16", "ppo-sweep", "t5-xxl-distill", "nightly-eval", "dlrm-train",
        "mixtral-moe"};
    private static final long GIB = 1L << 30;
    /** Of the ends of preemptible jobs while a higher-priority job waits. */
    private static final double PREEMPT_SHARE = 0.05;
    private static final double CANCEL_WAITING_SHARE = 0.01;
    private static final double FAILED_SHARE = 0.10;

    private final int nodes;
    private final int gpusPerNode;
    private final int targetPending;
    private final SplittableRandom random;
    private final String[] nodeNames;
    private final String[] nodeAddresses;
    private final int[] free;
    private final List<QueuedJob> pending = new ArrayList<>();
    private final List<Running> running = new ArrayList<>();
    /** Decisions that must follow the last one (a preempted attempt's release and requeue), made when their turn comes. */
    private final ArrayDeque<Function<Instant, Event>> followUps = new ArrayDeque<>();
    private Instant now = Instant.parse("2026-11-02T00:00:00Z");
    private int portCounter;
    private long emitted;

    private record Running(Allocation allocation, int[] nodeIndices, int[][] gpus) {}

    public LedgerWorkload(int nodes, int gpusPerNode, int targetPending, long seed) {
        if (nodes < 4) {
            throw new IllegalArgumentException("--nodes must be at least 4 (the largest gang spans 4 nodes), got " + nodes);
        }
        if (gpusPerNode != 8) {
            throw new IllegalArgumentException("the job mix is made for 8-GPU nodes, got " + gpusPerNode);
        }
        if (targetPending < 1) {
            throw new IllegalArgumentException("--pending must be at least 1, got " + targetPending);
        }
        this.nodes = nodes;
        this.gpusPerNode = gpusPerNode;
        this.targetPending = targetPending;
        this.random = new SplittableRandom(seed);
        this.nodeNames = new String[nodes];
        this.nodeAddresses = new String[nodes];
        this.free = new int[nodes];
        for (int i = 0; i < nodes; i++) {
            nodeNames[i] = String.format("gpu-%04d", i);
            nodeAddresses[i] = "10.20." + (i / 250) + "." + (i % 250 + 1);
            free[i] = (1 << gpusPerNode) - 1;
        }
    }

    /** The next {@code max} decisions. */
    public List<Event> next(int max) {
        List<Event> out = new ArrayList<>(max);
        for (int i = 0; i < max; i++) {
            out.add(step());
        }
        emitted += out.size();
        return out;
    }

    public long emitted() {
        return emitted;
    }

    public int waiting() {
        return pending.size();
    }

    public int runningJobs() {
        return running.size();
    }

    public int nodes() {
        return nodes;
    }

    public int clusterGpus() {
        return nodes * gpusPerNode;
    }

    private Event step() {
        now = now.plusMillis(5 + random.nextInt(300));
        if (!followUps.isEmpty()) {
            return followUps.poll().apply(now);
        }
        if (pending.size() < targetPending) {
            QueuedJob job = newJob();
            pending.add(job);
            return new JobQueued(job, now);
        }
        PlacementCommitted placed = placeOne();
        if (placed != null) {
            return placed;
        }
        if (random.nextDouble() < CANCEL_WAITING_SHARE) {
            QueuedJob gone = pending.remove(random.nextInt(pending.size()));
            return new JobReleased(gone.jobId(), gone.attempt(), null, now);
        }
        return finishOne();
    }

    private QueuedJob newJob() {
        int roll = random.nextInt(100);
        int[] shape = SHAPES[SHAPES.length - 1];
        for (int[] s : SHAPES) {
            if (roll < s[2]) {
                shape = s;
                break;
            }
            roll -= s[2];
        }
        int q = random.nextInt(10);
        String queue = q < 5 ? "default" : q < 8 ? "research" : "prod";
        int priority = queue.equals("prod") ? 100 : 0;
        boolean preemptible = queue.equals("research");
        Long maxRuntime = queue.equals("research") ? Duration.ofHours(4).toMillis() : null;
        Map<String, String> require = random.nextInt(10) == 0 ? Map.of("gpu.model", "H100") : Map.of();
        String name = NAMES[random.nextInt(NAMES.length)];
        String id = "j-" + HexFormat.of().toHexDigits(random.nextLong());
        return new QueuedJob(id, 1, queue, priority, now, shape[0], shape[1], 8.0 * shape[1], 64 * GIB * shape[1], preemptible,
                maxRuntime, require, Map.of(), "pack", name);
    }

    /** The highest-priority waiting job (oldest first) that fits now, placed; null when none fits. */
    private PlacementCommitted placeOne() {
        int maxFree = 0;
        int wholeNodes = 0;
        for (int f : free) {
            int n = Integer.bitCount(f);
            maxFree = Math.max(maxFree, n);
            if (n == gpusPerNode) {
                wholeNodes++;
            }
        }
        QueuedJob chosen = null;
        for (QueuedJob q : pending) {
            boolean fits = q.replicas() == 1 ? q.gpusPerReplica() <= maxFree : wholeNodes >= q.replicas();
            if (fits && (chosen == null || q.priority() > chosen.priority())) {
                chosen = q;
            }
        }
        if (chosen == null) {
            return null;
        }
        pending.remove(chosen);
        int[] nodeIndices = new int[chosen.replicas()];
        int[][] gpus = new int[chosen.replicas()][];
        if (chosen.replicas() == 1) {
            int best = -1;
            for (int i = 0; i < nodes; i++) {
                int n = Integer.bitCount(free[i]);
                if (n >= chosen.gpusPerReplica() && (best < 0 || n < Integer.bitCount(free[best]))) {
                    best = i;
                }
            }
            nodeIndices[0] = best;
        } else {
            int found = 0;
            int start = random.nextInt(nodes);
            for (int k = 0; k < nodes && found < chosen.replicas(); k++) {
                int i = (start + k) % nodes;
                if (Integer.bitCount(free[i]) == gpusPerNode) {
                    nodeIndices[found++] = i;
                }
            }
        }
        List<ReplicaSlot> slots = new ArrayList<>();
        for (int r = 0; r < chosen.replicas(); r++) {
            int node = nodeIndices[r];
            gpus[r] = take(node, chosen.gpusPerReplica());
            List<Integer> indices = new ArrayList<>();
            List<String> uuids = new ArrayList<>();
            for (int g : gpus[r]) {
                indices.add(g);
                uuids.add(String.format("GPU-%08x-%04x-4000-8000-%012x", node, g, (long) node * 8 + g));
            }
            slots.add(new ReplicaSlot(r, ReplicaSlot.allocationId(chosen.jobId(), chosen.attempt(), r), nodeNames[node],
                    nodeAddresses[node], List.copyOf(indices), List.copyOf(uuids), r, 0, 1));
        }
        slots.sort(Comparator.comparingInt(ReplicaSlot::rank));
        int master = nodeIndices[0];
        int port = 29500 + (portCounter++ % 1000);
        Allocation a = new Allocation(chosen.jobId(), chosen.attempt(), List.copyOf(slots), nodeNames[master], nodeAddresses[master],
                port, chosen.replicas(), chosen.cpusPerReplica(), chosen.memoryPerReplica(), chosen.queue(), chosen.priority(), now,
                chosen.preemptible(), chosen.maxRuntimeMillis(), chosen.jobName());
        running.add(new Running(a, nodeIndices, gpus));
        return new PlacementCommitted(a, now);
    }

    private int[] take(int node, int count) {
        int[] out = new int[count];
        int n = 0;
        for (int g = 0; g < gpusPerNode && n < count; g++) {
            if ((free[node] & (1 << g)) != 0) {
                free[node] &= ~(1 << g);
                out[n++] = g;
            }
        }
        if (n < count) {
            throw new IllegalStateException("node " + node + " has fewer than " + count + " free GPUs");
        }
        return out;
    }

    /** A running job ends: mostly a success with its runtime, sometimes a failure, or a preemption (release and requeue follow). */
    private Event finishOne() {
        Running r = running.get(random.nextInt(running.size()));
        Allocation a = r.allocation();
        if (a.preemptible() && random.nextDouble() < PREEMPT_SHARE) {
            QueuedJob preemptor = pending.stream().filter(q -> q.priority() > a.priority()).findFirst().orElse(null);
            if (preemptor != null) {
                // The victim stops, its attempt is released, and the job waits again as its next attempt.
                followUps.add(at -> release(r, null, at));
                followUps.add(at -> {
                    QueuedJob again = new QueuedJob(a.jobId(), a.attempt() + 1, a.queue(), a.priority(), at, a.slots().size(),
                            a.slots().get(0).gpuIndices().size(), a.cpusPerReplica(), a.memoryPerReplica(), a.preemptible(),
                            a.maxRuntimeMillis(), Map.of(), Map.of(), "pack", a.jobName());
                    pending.add(again);
                    return new JobQueued(again, at);
                });
                return new PreemptionDecided(a.jobId(), a.attempt(), preemptor.jobId(), "preempted",
                        "preempted by " + preemptor.jobId() + " (priority " + preemptor.priority() + " > " + a.priority() + ")", now);
            }
        }
        return release(r, random.nextDouble() < FAILED_SHARE ? null : runtimeMillis(), now);
    }

    /** The job's attempt ends: its GPUs are free again. */
    private JobReleased release(Running r, Long runtimeMillis, Instant at) {
        running.remove(r);
        for (int i = 0; i < r.nodeIndices().length; i++) {
            for (int g : r.gpus()[i]) {
                free[r.nodeIndices()[i]] |= 1 << g;
            }
        }
        return new JobReleased(r.allocation().jobId(), r.allocation().attempt(), runtimeMillis, at);
    }

    /** Log-uniform from a minute to two days: many short runs, a long tail of multi-day ones. */
    private long runtimeMillis() {
        double lo = Math.log(60_000);
        double hi = Math.log(Duration.ofDays(2).toMillis());
        return (long) Math.exp(lo + random.nextDouble() * (hi - lo));
    }
}
