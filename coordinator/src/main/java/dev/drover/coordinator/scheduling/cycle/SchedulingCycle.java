package dev.drover.coordinator.scheduling.cycle;

import dev.drover.coordinator.scheduling.action.Action;
import dev.drover.coordinator.scheduling.action.Allocate;
import dev.drover.coordinator.scheduling.action.Backfill;
import dev.drover.coordinator.scheduling.action.Preempt;
import dev.drover.coordinator.scheduling.action.Reclaim;
import dev.drover.coordinator.scheduling.model.ClusterSnapshot;
import dev.drover.coordinator.scheduling.model.Plan;
import java.util.List;
import java.util.Objects;

/**
 * One scheduling cycle: a pure function from an immutable {@link ClusterSnapshot} to a {@link Plan}.
 * Actions run in order, least disruptive first, each on the capacity the previous ones left; jobs are
 * handed out in one order per cycle (priority, fair share, submit order) that the actions share.
 */
public final class SchedulingCycle {
    private static final SchedulingCycle DEFAULT = defaultCycle();

    private final SchedulerProfile profile;
    private final List<Action> actions;
    private final NodeSearch nodeSearch;

    public SchedulingCycle(SchedulerProfile profile, List<Action> actions) {
        this(profile, actions, NodeSearch.INDEXED);
    }

    private SchedulingCycle(SchedulerProfile profile, List<Action> actions, NodeSearch nodeSearch) {
        this.profile = Objects.requireNonNull(profile, "profile");
        this.actions = List.copyOf(actions);
        this.nodeSearch = Objects.requireNonNull(nodeSearch, "nodeSearch");
    }

    /** The same cycle finding nodes another way; plans are the same, only the work differs. */
    public SchedulingCycle withNodeSearch(NodeSearch search) {
        return new SchedulingCycle(profile, actions, search);
    }

    private static SchedulingCycle defaultCycle() {
        Reclaim reclaim = new Reclaim();
        Preempt preempt = new Preempt();
        return new SchedulingCycle(SchedulerProfile.defaults(),
                List.of(new Allocate(reclaim, preempt), new Backfill(reclaim, preempt), reclaim, preempt));
    }

    /**
     * The default profile with allocate, backfill, reclaim and preempt; plugins and actions are stateless,
     * so one instance serves every cycle.
     */
    public static SchedulingCycle defaults() {
        return DEFAULT;
    }

    /** Runs the default cycle. */
    public static Plan run(ClusterSnapshot snapshot) {
        return DEFAULT.plan(snapshot);
    }

    public Plan plan(ClusterSnapshot snapshot) {
        CycleSession session = new CycleSession(snapshot, profile, nodeSearch);
        for (Action action : actions) {
            action.execute(session);
        }
        return session.toPlan();
    }

    public SchedulerProfile profile() {
        return profile;
    }

    public List<Action> actions() {
        return actions;
    }

    public NodeSearch nodeSearch() {
        return nodeSearch;
    }
}
