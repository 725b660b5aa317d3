package dev.drover.coordinator.scheduling.cycle;

import dev.drover.coordinator.scheduling.model.ClusterSnapshot;
import dev.drover.coordinator.scheduling.model.Feasibility;
import dev.drover.coordinator.scheduling.model.NodeView;
import dev.drover.coordinator.scheduling.model.PendingJob;
import dev.drover.coordinator.scheduling.model.PendingReason;
import dev.drover.coordinator.scheduling.model.Placement;
import dev.drover.coordinator.scheduling.model.Plan;
import dev.drover.coordinator.scheduling.model.Preemption;
import dev.drover.coordinator.scheduling.model.RunningJob;
import dev.drover.coordinator.scheduling.model.SchedulerConfig;
import dev.drover.coordinator.scheduling.plugin.GangView;
import dev.drover.coordinator.scheduling.plugin.LabelText;
import dev.drover.coordinator.scheduling.plugin.NodeFilter;
import dev.drover.coordinator.scheduling.plugin.NodeState;
import dev.drover.coordinator.scheduling.plugin.RequiredLabelsFilter;
import dev.drover.coordinator.scheduling.plugin.WeightedScorer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The state one cycle's actions share (KAI's Session): the snapshot, the working capacity, queue usage,
 * the plugins, holds, and the decisions taken so far. Actions run one after another on it, never concurrently.
 */
public final class CycleSession {
    private final ClusterSnapshot snapshot;
    private final SchedulerProfile profile;
    private final NodeSearch nodeSearch;
    private final ClusterState state;
    private final QueueUsage usage;
    private final Holds holds;
    private final DrfOrder order;
    private final List<PendingJob> cycleOrder = new ArrayList<>();
    private final Map<String, Placement> placements = new LinkedHashMap<>();
    private final List<PendingJob> placedJobs = new ArrayList<>();
    private final Map<String, PendingReason> explainedReasons = new HashMap<>();
    private final Map<JobShape, Feasibility> feasibility = new HashMap<>();
    private final Map<String, List<RunningJob>> stoppingFor = new HashMap<>();
    private final List<Preemption> preemptions = new ArrayList<>();
    private final Set<String> claimedVictims = new HashSet<>();
    private final Set<String> promisedToPending = new HashSet<>();
    private final List<RunningJob> running;
    private final Map<String, Set<String>> searched = new HashMap<>();
    private final Map<String, Set<Object>> failedSearches = new HashMap<>();
    private PendingJob blockedHead;
    private Reservation reservation;

    CycleSession(ClusterSnapshot snapshot, SchedulerProfile profile, NodeSearch nodeSearch) {
        this.snapshot = snapshot;
        this.profile = profile;
        this.nodeSearch = nodeSearch;
        this.state = ClusterState.of(snapshot.nodes());
        this.usage = QueueUsage.of(snapshot);
        this.holds = new Holds(state);
        this.order = new DrfOrder(snapshot.pending(), profile.jobOrder(), usage);
        Set<String> pendingIds = new HashSet<>();
        snapshot.pending().forEach(job -> pendingIds.add(job.jobId()));
        List<RunningJob> running = new ArrayList<>(snapshot.running());
        running.sort((a, b) -> a.jobId().compareTo(b.jobId()));
        this.running = Collections.unmodifiableList(running);
        for (RunningJob job : running) {
            if (job.terminating()) {
                for (String preemptor : job.preemptedBy()) {
                    if (pendingIds.contains(preemptor)) {
                        stoppingFor.computeIfAbsent(preemptor, p -> new ArrayList<>()).add(job);
                        promisedToPending.add(job.jobId());
                    }
                }
            }
        }
    }

    public ClusterSnapshot snapshot() {
        return snapshot;
    }

    public SchedulerConfig config() {
        return snapshot.config();
    }

    public Instant now() {
        return snapshot.now();
    }

    public SchedulerProfile profile() {
        return profile;
    }

    /** How gang placement finds a replica's node in this cycle. */
    public NodeSearch nodeSearch() {
        return nodeSearch;
    }

    public ClusterState state() {
        return state;
    }

    public QueueUsage usage() {
        return usage;
    }

    public Holds holds() {
        return holds;
    }

    /**
     * The next pending job in cycle order (priority, then fair share as placed so far, then submit order),
     * or null when all were handed out. Each job is handed out once per cycle.
     */
    public PendingJob nextInOrder() {
        PendingJob job = order.next();
        if (job != null) {
            cycleOrder.add(job);
        }
        return job;
    }

    /** Every pending job of the snapshot in cycle order, placed or not; jobs not handed out yet are appended in order. */
    public List<PendingJob> pendingInOrder() {
        while (nextInOrder() != null) {
            // Drains the order: with nothing placed any more, the remaining order no longer changes.
        }
        return Collections.unmodifiableList(cycleOrder);
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

    /**
     * An upper bound of {@link #score} over nodes with {@code freeGpuCount} free GPUs that hold no replica of
     * {@code gang}: each scorer's bound, weighted and summed in the same order as the score, so that (with
     * rounding monotone) no such node's score can exceed it.
     */
    public double scoreBound(PendingJob job, int freeGpuCount, GangView gang) {
        double total = 0;
        for (WeightedScorer scorer : profile.scorers()) {
            // A zero weight zeroes any finite score; infinity times zero would be NaN.
            total += scorer.weight() == 0 ? 0.0 : scorer.weight() * scorer.scorer().upperBound(job, freeGpuCount, gang);
        }
        return total;
    }

    /**
     * Whether the gang can ever fit the registered nodes that carry its required labels, whatever runs
     * there; shared by every job of the same shape.
     */
    public Feasibility feasibility(PendingJob job) {
        return feasibility.computeIfAbsent(JobShape.of(job), shape -> {
            List<NodeView> nodes = snapshot.nodes();
            if (!shape.requiredLabels().isEmpty()) {
                nodes = nodes.stream().filter(n -> RequiredLabelsFilter.matches(shape.requiredLabels(), n.labels())).toList();
                if (nodes.isEmpty() && !snapshot.nodes().isEmpty()) {
                    return Feasibility.rejected(Feasibility.Limit.REQUIRED_LABELS, "no registered node has labels " + LabelText.of(shape.requiredLabels()));
                }
            }
            return Feasibility.check(shape.replicas(), shape.gpusPerReplica(), shape.cpusPerReplica(), shape.memoryPerReplica(), nodes);
        });
    }

    /** Records a placement whose capacity the caller's statement has already committed, and counts it against its queue. */
    public void place(PendingJob job, Placement placement) {
        if (placements.putIfAbsent(job.jobId(), placement) != null) {
            throw new IllegalStateException("job " + job.jobId() + " is placed twice in one cycle");
        }
        placedJobs.add(job);
        explainedReasons.remove(job.jobId());
        usage.add(job.queue(), job.totalGpus(), job.replicas() * job.cpusPerReplica(), (long) job.replicas() * job.memoryPerReplica());
    }

    /** Gives an unplaced job a reason only its action knows (e.g. no free port); others are diagnosed at the end. */
    public void explain(String jobId, PendingReason reason) {
        explainedReasons.put(jobId, reason);
    }

    public boolean isExplained(String jobId) {
        return explainedReasons.containsKey(jobId);
    }

    /** The reason an action gave the job, or null. */
    public PendingReason explanation(String jobId) {
        return explainedReasons.get(jobId);
    }

    /** Jobs placed in this cycle so far, in decision order. */
    public List<PendingJob> placedJobs() {
        return Collections.unmodifiableList(placedJobs);
    }

    public Placement placementOf(String jobId) {
        return placements.get(jobId);
    }

    /** Every running job of the snapshot, by id order. */
    public List<RunningJob> running() {
        return running;
    }

    /** Running gangs already being stopped for this pending job, by id. */
    public List<RunningJob> stoppingFor(String jobId) {
        return stoppingFor.getOrDefault(jobId, List.of());
    }

    /** Whether the running gang is being stopped for a job that is pending in this snapshot. */
    public boolean isPromisedToPending(RunningJob job) {
        return promisedToPending.contains(job.jobId());
    }

    /** Whether the running gang is stopped, or promised to a preemptor, so that no one else may count on it. */
    public boolean isClaimed(RunningJob job) {
        return job.terminating() || claimedVictims.contains(job.jobId());
    }

    /**
     * Records that {@code victims} are to be stopped for {@code job}: each becomes a preemption, no later
     * decision of this cycle counts on them, their queues no longer count them, and the free part of the
     * job's trial placement is held for it.
     */
    public void preempt(PendingJob job, List<RunningJob> victims, String reasonCode, List<String> messages, List<ReplicaClaim> claims) {
        for (int i = 0; i < victims.size(); i++) {
            RunningJob victim = victims.get(i);
            if (!claimedVictims.add(victim.jobId())) {
                throw new IllegalStateException("job " + victim.jobId() + " is preempted twice in one cycle");
            }
            preemptions.add(new Preemption(victim.jobId(), victim.attempt(), job.jobId(), reasonCode, messages.get(i)));
            usage.add(victim.queue(), -victim.totalGpus(), -victim.replicas() * victim.cpusPerReplica(),
                    -(long) victim.replicas() * victim.memoryPerReplica());
        }
        usage.add(job.queue(), job.totalGpus(), job.replicas() * job.cpusPerReplica(), (long) job.replicas() * job.memoryPerReplica());
        holds.hold(job.jobId(), claims);
        if (reservation != null && reservation.jobId().equals(job.jobId())) {
            reservation = null;
        }
        explain(job.jobId(), waitingForPreemption(victims));
    }

    /** WAITING_FOR_PREEMPTION: "waiting for 2 preempted jobs to stop: j-1, j-2". */
    public static PendingReason waitingForPreemption(List<RunningJob> victims) {
        List<String> ids = victims.stream().map(RunningJob::jobId).sorted().toList();
        String jobs = ids.size() == 1 ? "1 preempted job" : ids.size() + " preempted jobs";
        return new PendingReason(PendingReason.WAITING_FOR_PREEMPTION, "waiting for " + jobs + " to stop: " + String.join(", ", ids),
                Map.of());
    }

    /** Marks that {@code action} searched for {@code jobId}; false when it already had in this cycle. */
    public boolean markSearched(String action, String jobId) {
        return searched.computeIfAbsent(action, a -> new HashSet<>(2 * snapshot.pending().size())).add(jobId);
    }

    /** Keys of searches {@code action} found hopeless in this cycle, for the action to fill and consult. */
    public Set<Object> failedSearches(String action) {
        return failedSearches.computeIfAbsent(action, a -> new HashSet<>());
    }

    /** The first gang in cycle order that is blocked for capacity alone: the one backfill reserves for. */
    public PendingJob blockedHead() {
        return blockedHead;
    }

    public void blockedHead(PendingJob job) {
        this.blockedHead = job;
    }

    /** Holds the free part of the reservation and publishes its start. */
    public void reserve(Reservation reservation) {
        this.reservation = reservation;
        holds.hold(reservation.jobId(), reservation.replicas());
    }

    public Reservation reservation() {
        return reservation;
    }

    Plan toPlan() {
        List<PendingJob> ordered = pendingInOrder();
        PendingDiagnosis diagnosis = new PendingDiagnosis(this);
        Map<String, PendingReason> reasons = new LinkedHashMap<>();
        Map<String, Instant> estimatedStarts = new LinkedHashMap<>();
        for (int i = 0; i < ordered.size(); i++) {
            PendingJob job = ordered.get(i);
            if (placements.containsKey(job.jobId())) {
                continue;
            }
            PendingReason explained = explainedReasons.get(job.jobId());
            PendingReason reason = explained != null ? explained : diagnosis.explain(job);
            if (explained == null && reservation != null && reservation.jobId().equals(job.jobId())) {
                reason = new PendingReason(reason.code(), reason.message() + "; GPUs reserved, estimated start " + reservation.start(),
                        reason.rejectedNodesByFilter()).withEstimatedStart(reservation.start());
                estimatedStarts.put(job.jobId(), reservation.start());
            }
            reasons.put(job.jobId(), reason.withQueuePosition(i + 1));
        }
        return new Plan(new ArrayList<>(placements.values()), reasons, preemptions, estimatedStarts);
    }
}
