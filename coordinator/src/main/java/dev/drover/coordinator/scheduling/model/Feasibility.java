package dev.drover.coordinator.scheduling.model;

import java.util.List;
import java.util.Objects;

/**
 * The submit-time answer to "can this gang ever fit the registered cluster, whatever runs there?".
 * Only physical capacity counts: every known node (ready or not, cordoned or not) and every GPU
 * (healthy or not), because those states change while the job waits.
 */
public record Feasibility(boolean feasible, String message, Limit limit) {

    /** Which part of the job's shape cannot fit, so callers can point at the field at fault. */
    public enum Limit {
        NONE,
        GPUS_PER_REPLICA,
        CPUS_PER_REPLICA,
        MEMORY_PER_REPLICA,
        /** The gang as a whole: its size against the cluster's total or whole-node room. */
        GANG,
        REQUIRED_LABELS
    }

    private static final Feasibility OK = new Feasibility(true, "", Limit.NONE);

    public Feasibility {
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(limit, "limit");
    }

    public static Feasibility ok() {
        return OK;
    }

    public static Feasibility rejected(Limit limit, String message) {
        return new Feasibility(false, message, limit);
    }

    /**
     * Checks a gang against the physical capacity of {@code knownNodes}. With no nodes at all the job is
     * accepted: it waits with reason NO_NODES until nodes register.
     */
    public static Feasibility check(int replicas, int gpusPerReplica, double cpusPerReplica, long memoryPerReplica,
                                    List<NodeView> knownNodes) {
        if (knownNodes.isEmpty()) {
            return ok();
        }
        int largestGpus = 0;
        double largestCpus = 0;
        long largestMemory = 0;
        long totalGpus = 0;
        double totalCpus = 0;
        long totalMemory = 0;
        long room = 0;
        for (NodeView node : knownNodes) {
            int gpus = node.gpus().size();
            largestGpus = Math.max(largestGpus, gpus);
            largestCpus = Math.max(largestCpus, node.cpus());
            largestMemory = Math.max(largestMemory, node.memoryBytes());
            totalGpus += gpus;
            totalCpus += node.cpus();
            totalMemory += node.memoryBytes();
            room += replicasThatFit(gpus, node.cpus(), node.memoryBytes(), gpusPerReplica, cpusPerReplica, memoryPerReplica, replicas);
        }
        if (gpusPerReplica > largestGpus) {
            return rejected(Limit.GPUS_PER_REPLICA, "needs " + Quantities.gpus(gpusPerReplica) + " per replica; the largest node has " + largestGpus);
        }
        if (cpusPerReplica > largestCpus) {
            return rejected(Limit.CPUS_PER_REPLICA, "needs " + Quantities.cpus(cpusPerReplica) + " per replica; the largest node has "
                    + Quantities.cpus(largestCpus));
        }
        if (memoryPerReplica > largestMemory) {
            return rejected(Limit.MEMORY_PER_REPLICA, "needs " + Quantities.memory(memoryPerReplica) + " of memory per replica; the largest node has "
                    + Quantities.memory(largestMemory));
        }
        if ((long) replicas * gpusPerReplica > totalGpus) {
            return rejected(Limit.GANG, "needs " + replicas + " x " + gpusPerReplica + " = " + Quantities.gpus((long) replicas * gpusPerReplica)
                    + " on distinct capacity; the cluster has " + Quantities.gpus(totalGpus) + " in all");
        }
        if (replicas * cpusPerReplica > totalCpus) {
            return rejected(Limit.GANG, "needs " + replicas + " x " + Quantities.cpus(cpusPerReplica) + " = " + Quantities.cpus(replicas * cpusPerReplica)
                    + " on distinct capacity; the cluster has " + Quantities.cpus(totalCpus) + " in all");
        }
        if ((double) replicas * memoryPerReplica > totalMemory) {
            return rejected(Limit.GANG, "needs " + replicas + " x " + Quantities.memory(memoryPerReplica) + " = "
                    + Quantities.memory((long) Math.min(Long.MAX_VALUE, (double) replicas * memoryPerReplica))
                    + " of memory on distinct capacity; the cluster has " + Quantities.memory(totalMemory) + " in all");
        }
        if (room == 0) {
            return rejected(Limit.GANG, "no node has " + perReplica(gpusPerReplica, cpusPerReplica, memoryPerReplica) + " together");
        }
        if (room < replicas) {
            // Each resource fits in total, but replicas cannot be split across nodes.
            return rejected(Limit.GANG, "needs " + replicas + " replicas of " + perReplica(gpusPerReplica, cpusPerReplica, memoryPerReplica)
                    + "; whole nodes of the cluster have room for " + room + " at most");
        }
        return ok();
    }

    /**
     * How many replicas of a shape fit into the given free capacity, capped at {@code cap}; a resource the
     * replica does not ask for never limits it.
     */
    public static long replicasThatFit(int freeGpus, double freeCpus, long freeMemory,
                                       int gpusPerReplica, double cpusPerReplica, long memoryPerReplica, long cap) {
        long fit = cap;
        if (gpusPerReplica > 0) {
            fit = Math.min(fit, freeGpus / gpusPerReplica);
        }
        if (cpusPerReplica > 0) {
            fit = Math.min(fit, (long) Math.floor(freeCpus / cpusPerReplica + 1e-9));
        }
        if (memoryPerReplica > 0) {
            fit = Math.min(fit, freeMemory / memoryPerReplica);
        }
        return Math.max(0, fit);
    }

    private static String perReplica(int gpus, double cpus, long memory) {
        return Quantities.gpus(gpus) + ", " + Quantities.cpus(cpus) + " and " + Quantities.memory(memory);
    }
}
