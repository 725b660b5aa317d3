package dev.drover.coordinator.scheduling.action;

import dev.drover.coordinator.scheduling.cycle.ClusterState;
import dev.drover.coordinator.scheduling.cycle.CycleSession;
import dev.drover.coordinator.scheduling.cycle.NodeCapacity;
import dev.drover.coordinator.scheduling.cycle.NodeSearch;
import dev.drover.coordinator.scheduling.cycle.ReplicaClaim;
import dev.drover.coordinator.scheduling.cycle.Statement;
import dev.drover.coordinator.scheduling.model.PendingJob;
import dev.drover.coordinator.scheduling.model.ReplicaPlacement;
import dev.drover.coordinator.scheduling.model.RunningJob;
import dev.drover.coordinator.scheduling.plugin.RequiredLabelsFilter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;

/**
 * Chooses which running gangs to stop so that a pending gang fits (Kubernetes' and KAI's victim
 * selection): candidates are tried as whole gangs, released in a {@link Statement} and the pending gang
 * trial-placed on top; the cheapest set that fits wins, cost being the GPU-hours of work the victims lose.
 * Up to {@value #EXHAUSTIVE} useful candidates every set is tried, cheapest first; beyond that the cheapest
 * are added until the gang fits, then any victim the gang fits without is dropped, dearest first.
 */
final class VictimSelection {
    static final int EXHAUSTIVE = 8;

    /** The victims, cheapest first, and where the pending gang would go once they have stopped. */
    record Choice(List<RunningJob> victims, List<ReplicaClaim> claims) {
    }

    private final CycleSession session;
    private final PendingJob job;
    private final Instant now;

    private VictimSelection(CycleSession session, PendingJob job) {
        this.session = session;
        this.job = job;
        this.now = session.now();
    }

    /**
     * The cheapest set of {@code candidates} (each allowed on its own) whose stopping lets {@code job} fit
     * and that {@code allowed} accepts as a whole, or null.
     */
    static Choice choose(CycleSession session, PendingJob job, List<RunningJob> candidates, Predicate<List<RunningJob>> allowed) {
        return new VictimSelection(session, job).choose(candidates, allowed);
    }

    private record Costed(RunningJob job, double cost) {
    }

    /** Releases, in {@code statement}, everything a running gang holds on the nodes the snapshot knows. */
    static void release(ClusterState state, Statement statement, RunningJob victim) {
        for (ReplicaPlacement replica : victim.placements()) {
            NodeCapacity node = state.node(replica.node());
            if (node != null) {
                statement.release(node, replica.gpuIndices(), victim.cpusPerReplica(), victim.memoryPerReplica());
            }
        }
    }

    private Choice choose(List<RunningJob> candidates, Predicate<List<RunningJob>> allowed) {
        List<RunningJob> useful = new ArrayList<>();
        long releasable = 0;
        for (RunningJob candidate : candidates) {
            long gpus = usefulGpus(candidate);
            if (gpus > 0 || job.gpusPerReplica() == 0) {
                useful.add(candidate);
                releasable += gpus;
            }
        }
        if (useful.isEmpty() || session.state().totalFreeGpus() + releasable < job.totalGpus()) {
            return null;
        }
        // Each cost is computed once, not at every comparison: tens of thousands of candidates on a big full cluster.
        List<Costed> costed = new ArrayList<>(useful.size());
        for (RunningJob candidate : useful) {
            costed.add(new Costed(candidate, candidate.gpuHoursLostAt(now)));
        }
        costed.sort(Comparator.comparingDouble(Costed::cost).thenComparing(c -> c.job().jobId()));
        useful.clear();
        for (Costed candidate : costed) {
            useful.add(candidate.job());
        }
        return useful.size() <= EXHAUSTIVE ? cheapestOfAll(useful, allowed) : greedy(useful, allowed);
    }

    /** GPUs the candidate holds on nodes that could take a replica of the job at all. */
    private long usefulGpus(RunningJob candidate) {
        long gpus = 0;
        for (ReplicaPlacement replica : candidate.placements()) {
            NodeCapacity node = session.state().node(replica.node());
            if (node != null && node.view().schedulable() && RequiredLabelsFilter.matches(job.requiredLabels(), node.view().labels())) {
                gpus += replica.gpuIndices().size();
            }
        }
        return gpus;
    }

    private Choice cheapestOfAll(List<RunningJob> useful, Predicate<List<RunningJob>> allowed) {
        int n = useful.size();
        List<Integer> sets = new ArrayList<>();
        double[] cost = new double[1 << n];
        long[] gpus = new long[1 << n];
        for (int set = 1; set < (1 << n); set++) {
            int lowest = Integer.numberOfTrailingZeros(set);
            int rest = set & (set - 1);
            cost[set] = cost[rest] + useful.get(lowest).gpuHoursLostAt(now);
            gpus[set] = gpus[rest] + usefulGpus(useful.get(lowest));
            sets.add(set);
        }
        // Cheapest first; then fewest victims; then the set of the cheapest candidates (lowest bits), for determinism.
        sets.sort(Comparator.comparingDouble((Integer set) -> cost[set]).thenComparingInt(Integer::bitCount)
                .thenComparingInt(Integer::reverse));
        long free = session.state().totalFreeGpus();
        for (int set : sets) {
            if (free + gpus[set] < job.totalGpus()) {
                continue;
            }
            List<RunningJob> victims = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if ((set & (1 << i)) != 0) {
                    victims.add(useful.get(i));
                }
            }
            if (!allowed.test(victims)) {
                continue;
            }
            List<ReplicaClaim> claims = trial(victims);
            if (claims != null) {
                return new Choice(victims, claims);
            }
        }
        return null;
    }

    private Choice greedy(List<RunningJob> useful, Predicate<List<RunningJob>> allowed) {
        List<RunningJob> chosen = new ArrayList<>();
        List<ReplicaClaim> claims = null;
        ClusterState state = session.state();
        // One statement grows with the chosen victims, so each trial costs one placement, not a replay of every release.
        Statement released = state.statement();
        try {
            for (RunningJob candidate : useful) {
                chosen.add(candidate);
                if (!allowed.test(chosen)) {
                    chosen.remove(chosen.size() - 1);
                    continue;
                }
                release(state, released, candidate);
                if (state.totalFreeGpus() >= job.totalGpus() && state.largestFreeGpus() >= job.gpusPerReplica()
                        && (claims = GangPlacement.trial(job, session, released)) != null) {
                    break;
                }
            }
        } finally {
            released.discard();
        }
        if (claims == null) {
            return null;
        }
        return session.nodeSearch() == NodeSearch.FULL_SCAN ? dropEachFromScratch(chosen, claims, allowed)
                : dropIncrementally(chosen, claims, allowed);
    }

    /** The reference: drops every victim the gang fits without, dearest first, each trial releasing its set from scratch. */
    private Choice dropEachFromScratch(List<RunningJob> chosen, List<ReplicaClaim> claims, Predicate<List<RunningJob>> allowed) {
        for (int i = chosen.size() - 1; i >= 0 && chosen.size() > 1; i--) {
            List<RunningJob> without = new ArrayList<>(chosen);
            without.remove(i);
            if (allowed.test(without)) {
                List<ReplicaClaim> fewer = trial(without);
                if (fewer != null) {
                    chosen = without;
                    claims = fewer;
                }
            }
        }
        return new Choice(chosen, claims);
    }

    /**
     * The same choice as {@link #dropEachFromScratch}, releasing in the same order, without releasing the whole
     * set for every trial. When victim {@code i} is tried, the set is the victims before it (released once,
     * in order, and given back one at a time from the end, never re-released) followed by the victims after
     * it that stayed (few: the ones the gang needs), so each trial re-releases only those.
     */
    private Choice dropIncrementally(List<RunningJob> chosen, List<ReplicaClaim> claims, Predicate<List<RunningJob>> allowed) {
        ClusterState state = session.state();
        Statement statement = state.statement();
        try {
            int n = chosen.size();
            int[] beforeVictim = new int[n];
            for (int j = 0; j < n - 1; j++) {
                beforeVictim[j] = statement.checkpoint();
                release(state, statement, chosen.get(j));
            }
            List<RunningJob> kept = new ArrayList<>();
            int i = n - 1;
            for (; i >= 0 && i + 1 + kept.size() > 1; i--) {
                // Released now: chosen[0..i-1], then kept, in that order: exactly the set without victim i.
                List<RunningJob> without = new ArrayList<>(i + kept.size());
                without.addAll(chosen.subList(0, i));
                without.addAll(kept);
                List<ReplicaClaim> fewer = allowed.test(without) ? GangPlacement.trial(job, session, statement) : null;
                if (fewer != null) {
                    claims = fewer;
                } else {
                    kept.add(0, chosen.get(i));
                }
                if (i > 0) {
                    statement.rollback(beforeVictim[i - 1]);
                    for (RunningJob victim : kept) {
                        release(state, statement, victim);
                    }
                }
            }
            // Victims up to where the loop stopped were never tried, so they stay, ahead of the kept ones.
            List<RunningJob> victims = new ArrayList<>(chosen.subList(0, i + 1));
            victims.addAll(kept);
            return new Choice(victims, claims);
        } finally {
            statement.discard();
        }
    }

    /** Where the job would go with {@code victims} stopped, or null; the cluster state is left as it was. */
    private List<ReplicaClaim> trial(List<RunningJob> victims) {
        Statement statement = session.state().statement();
        try {
            for (RunningJob victim : victims) {
                release(session.state(), statement, victim);
            }
            return GangPlacement.trial(job, session, statement);
        } finally {
            statement.discard();
        }
    }
}
