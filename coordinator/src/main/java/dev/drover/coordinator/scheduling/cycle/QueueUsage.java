package dev.drover.coordinator.scheduling.cycle;

import dev.drover.coordinator.scheduling.model.ClusterSnapshot;
import dev.drover.coordinator.scheduling.model.GpuSlot;
import dev.drover.coordinator.scheduling.model.NodeView;
import dev.drover.coordinator.scheduling.model.QueueView;
import dev.drover.coordinator.scheduling.model.RunningJob;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What every queue holds during a cycle (running gangs that are not being stopped, plus gangs placed or
 * promised GPUs in this cycle), counted for the queue and each ancestor; it answers quota and fair-share
 * questions. A queue the snapshot does not list is a root with no guarantee and unlimited borrowing.
 */
public final class QueueUsage {
    private final Map<String, QueueView> queues = new HashMap<>();
    private final Map<String, Usage> usage = new HashMap<>();
    private final Map<String, List<QueueView>> chains = new HashMap<>();
    private final double clusterGpus;
    private final double clusterCpus;
    private final double clusterMemory;

    private QueueUsage(ClusterSnapshot snapshot) {
        for (QueueView queue : snapshot.queues()) {
            queues.put(queue.name(), queue);
        }
        long gpus = 0;
        double cpus = 0;
        long memory = 0;
        for (NodeView node : snapshot.nodes()) {
            for (GpuSlot gpu : node.gpus()) {
                gpus += gpu.healthy() ? 1 : 0;
            }
            cpus += node.cpus();
            memory += node.memoryBytes();
        }
        this.clusterGpus = gpus;
        this.clusterCpus = cpus;
        this.clusterMemory = memory;
        for (RunningJob job : snapshot.running()) {
            // A gang being stopped is leaving; its GPUs are promised to whoever preempted it, or freed.
            if (!job.terminating()) {
                add(job.queue(), job.totalGpus(), job.replicas() * job.cpusPerReplica(), (long) job.replicas() * job.memoryPerReplica());
            }
        }
    }

    public static QueueUsage of(ClusterSnapshot snapshot) {
        return new QueueUsage(snapshot);
    }

    /** The queue of that name as configured, or an unconfigured root. */
    public QueueView queue(String name) {
        QueueView queue = queues.get(name);
        // An unconfigured queue is made once: fair-share ordering asks for it at every step.
        return queue != null ? queue : queues.computeIfAbsent(name, QueueView::unconfigured);
    }

    /** The queue and its ancestors, nearest first; a parent loop in the configuration ends the chain. */
    public List<QueueView> chain(String name) {
        return chains.computeIfAbsent(name, this::walkUp);
    }

    private List<QueueView> walkUp(String name) {
        List<QueueView> chain = new ArrayList<>(2);
        Set<String> seen = new HashSet<>();
        for (String current = name; current != null && seen.add(current); ) {
            QueueView queue = queue(current);
            chain.add(queue);
            current = queue.parent();
        }
        return List.copyOf(chain);
    }

    /** Whether one queue is the other or an ancestor of it. */
    public boolean related(String a, String b) {
        for (QueueView queue : chain(a)) {
            if (queue.name().equals(b)) {
                return true;
            }
        }
        for (QueueView queue : chain(b)) {
            if (queue.name().equals(a)) {
                return true;
            }
        }
        return false;
    }

    /** Counts a gang (negative amounts remove one) against its queue and every ancestor. */
    public void add(String queue, long gpus, double cpus, long memory) {
        for (QueueView q : chain(queue)) {
            Usage u = usage.computeIfAbsent(q.name(), n -> new Usage());
            u.gpus += gpus;
            u.cpus += cpus;
            u.memory += memory;
        }
    }

    /** GPUs the queue and its children hold. */
    public long gpusUsed(String queue) {
        Usage u = usage.get(queue);
        return u == null ? 0 : u.gpus;
    }

    /**
     * The nearest queue of the chain that {@code gpus} more would take past guaranteed + borrowable, after
     * {@code freed} GPUs of this same queue are given back; null when the quota allows it.
     */
    public QueueView quotaBlocker(String queue, long gpus, long freed) {
        for (QueueView q : chain(queue)) {
            if (gpusUsed(q.name()) - freed + gpus > q.limitGpus()) {
                return q;
            }
        }
        return null;
    }

    /** "queue research uses 24 of 24 guaranteed + 8 of 8 borrowable GPUs". */
    public String quotaText(String queue) {
        QueueView q = queue(queue);
        long used = gpusUsed(queue);
        long inGuarantee = Math.min(used, q.guaranteedGpus());
        long borrowed = Math.max(0, used - q.guaranteedGpus());
        String borrowing = q.borrowLimitGpus() == QueueView.UNLIMITED
                ? borrowed + " borrowed GPUs (no borrowing limit)"
                : borrowed + " of " + q.borrowLimitGpus() + " borrowable GPUs";
        return "queue " + q.name() + " uses " + inGuarantee + " of " + q.guaranteedGpus() + " guaranteed + " + borrowing;
    }

    /**
     * The queue's dominant resource share (DRF) over GPUs, CPUs and memory, divided by the fraction of the
     * cluster it is guaranteed (whole cluster when it has no guarantee) and by its weight: lowest goes first.
     */
    public double weightedDominantShare(String queue) {
        Usage u = usage.get(queue);
        if (u == null) {
            return 0.0;
        }
        double share = Math.max(fraction(u.gpus, clusterGpus), Math.max(fraction(u.cpus, clusterCpus), fraction(u.memory, clusterMemory)));
        QueueView q = queue(queue);
        double guaranteed = clusterGpus > 0 && q.guaranteedGpus() > 0 ? Math.min(1.0, q.guaranteedGpus() / clusterGpus) : 1.0;
        return share / guaranteed / q.weight();
    }

    private static double fraction(double used, double capacity) {
        return capacity > 0 ? used / capacity : 0.0;
    }

    private static final class Usage {
        long gpus;
        double cpus;
        long memory;
    }
}
