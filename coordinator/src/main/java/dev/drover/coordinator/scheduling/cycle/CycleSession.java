package dev.drover.coordinator.scheduling.cycle;

import dev.drover.coordinator.scheduling.model.ClusterSnapshot;
import dev.drover.coordinator.scheduling.model.PendingJob;
import dev.drover.coordinator.scheduling.model.PendingReason;
import dev.drover.coordinator.scheduling.model.Placement;
import dev.drover.coordinator.scheduling.model.Plan;
import dev.drover.coordinator.scheduling.plugin.GangView;
import dev.drover.coordinator.scheduling.plugin.NodeFilter;
import dev.drover.coordinator.scheduling.plugin.NodeState;
import dev.drover.coordinator.scheduling.plugin.WeightedScorer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The state one cycle's actions share (KAI's Session): the snapshot, the working capacity, the plugins,
 * and the decisions taken so far. Actions run one after another on it, never concurrently.
 */
public final class CycleSession {
    private final ClusterSnapshot snapshot;
    private final SchedulerProfile profile;
    private final ClusterState state;
    private final List<PendingJob> pendingInOrder;
    private final Map<String, Placement> placements = new LinkedHashMap<>();
    private final List<PendingJob> placedJobs = new ArrayList<>();
    private final Map<String, PendingReason> explainedReasons = new HashMap<>();

    CycleSession(ClusterSnapshot snapshot, SchedulerProfile profile) {
        this.snapshot = snapshot;
        this.profile = profile;
        this.state = ClusterState.of(snapshot.nodes());
        List<PendingJob> ordered = new ArrayList<>(snapshot.pending());
        ordered.sort(profile.jobOrder());
        this.pendingInOrder = Collections.unmodifiableList(ordered);
    }

    public ClusterSnapshot snapshot() {
        return snapshot;
    }

    public SchedulerProfile profile() {
        return profile;
    }

    public ClusterState state() {
        return state;
    }

    /** Every pending job of the snapshot in the profile's job order, placed or not. */
    public List<PendingJob> pendingInOrder() {
        return pendingInOrder;
    }

    public boolean isPlaced(String jobId) {
        return placements.containsKey(jobId);
    }

    /** Whether every filter passes {@code node} for one replica of {@code job}. */
    public boolean passesFilters(PendingJob job, NodeState node) {
        for (NodeFilter filter : profile.filters()) {
            if (!filter.filter(job, node).passed()) {
                return false;
            }
        }
        return true;
    }

    /** The weighted sum of every scorer's normalized score. */
    public double score(PendingJob job, NodeState node, GangView gang) {
        double total = 0;
        for (WeightedScorer scorer : profile.scorers()) {
            total += scorer.weight() * scorer.scorer().score(job, node, gang);
        }
        return total;
    }

    /** Records a placement whose capacity the caller's statement has already committed. */
    public void place(PendingJob job, Placement placement) {
        if (placements.putIfAbsent(job.jobId(), placement) != null) {
            throw new IllegalStateException("job " + job.jobId() + " is placed twice in one cycle");
        }
        placedJobs.add(job);
        explainedReasons.remove(job.jobId());
    }

    /** Gives an unplaced job a reason only its action knows (e.g. no free port); others are diagnosed at the end. */
    public void explain(String jobId, PendingReason reason) {
        explainedReasons.put(jobId, reason);
    }

    public boolean isExplained(String jobId) {
        return explainedReasons.containsKey(jobId);
    }

    /** Jobs placed in this cycle so far, in decision order. */
    public List<PendingJob> placedJobs() {
        return Collections.unmodifiableList(placedJobs);
    }

    public Placement placementOf(String jobId) {
        return placements.get(jobId);
    }

    Plan toPlan() {
        PendingDiagnosis diagnosis = new PendingDiagnosis(this);
        Map<String, PendingReason> reasons = new LinkedHashMap<>();
        for (PendingJob job : pendingInOrder) {
            if (!placements.containsKey(job.jobId())) {
                PendingReason explained = explainedReasons.get(job.jobId());
                reasons.put(job.jobId(), explained != null ? explained : diagnosis.explain(job));
            }
        }
        return new Plan(new ArrayList<>(placements.values()), reasons);
    }
}
