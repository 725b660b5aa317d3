package dev.drover.coordinator.scheduling.cycle;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Free capacity kept, for the rest of the cycle, for jobs that start later: a backfill reservation, or a
 * preemptor waiting for its victims. Each job's hold is an open {@link Statement} that can be suspended
 * (to let a job that ends in time use it, or to ask "would this job fit without the holds?") and resumed
 * on whatever of it is still free.
 */
public final class Holds {
    private final ClusterState state;
    private final Map<String, List<ReplicaClaim>> wanted = new TreeMap<>();
    private final Map<String, Statement> open = new HashMap<>();

    Holds(ClusterState state) {
        this.state = state;
    }

    /** Holds, for {@code jobId}, whatever of {@code claims} is free now, replacing any earlier hold of the job. */
    public void hold(String jobId, List<ReplicaClaim> claims) {
        drop(jobId);
        wanted.put(jobId, List.copyOf(claims));
        resume(jobId);
    }

    /** Gives the job's held capacity back for good. */
    public void drop(String jobId) {
        suspend(jobId);
        wanted.remove(jobId);
    }

    /** Gives the job's held capacity back until {@link #resume}. */
    public void suspend(String jobId) {
        Statement statement = open.remove(jobId);
        if (statement != null) {
            statement.discard();
        }
    }

    /** Holds again what the job wanted and is still free. */
    public void resume(String jobId) {
        List<ReplicaClaim> claims = wanted.get(jobId);
        if (claims == null || open.containsKey(jobId)) {
            return;
        }
        Statement statement = state.statement();
        for (ReplicaClaim claim : claims) {
            List<Integer> free = new ArrayList<>(claim.gpus().size());
            for (int gpu : claim.gpus()) {
                if (claim.node().isGpuFree(gpu)) {
                    free.add(gpu);
                }
            }
            statement.hold(claim.node(), free, claim.cpus(), claim.memoryBytes());
        }
        open.put(jobId, statement);
    }

    /** Suspends every hold in force; returns whose, for {@link #resume(List)}, so holds suspended before stay suspended. */
    public List<String> suspendAll() {
        List<String> suspended = new ArrayList<>(open.keySet());
        suspended.sort(null);
        suspended.forEach(this::suspend);
        return suspended;
    }

    public void resume(List<String> jobIds) {
        jobIds.forEach(this::resume);
    }

    public boolean isEmpty() {
        return wanted.isEmpty();
    }

    /** Jobs holding capacity, by id. */
    public List<String> holders() {
        return Collections.unmodifiableList(new ArrayList<>(wanted.keySet()));
    }
}
