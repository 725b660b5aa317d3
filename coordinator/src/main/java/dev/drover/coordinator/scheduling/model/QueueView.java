package dev.drover.coordinator.scheduling.model;

import java.util.Objects;

/**
 * A queue (tenant) as a cycle sees it: its parent in the hierarchy (null for a root queue), the GPUs it
 * is guaranteed, its fair-share weight, and how many GPUs beyond its guarantee it may borrow while idle.
 * A job in a queue counts against that queue and every ancestor.
 */
public record QueueView(String name, String parent, int guaranteedGpus, double weight, int borrowLimitGpus) {

    /** The queue every job without another queue lands in; it exists even when no snapshot lists it. */
    public static final String DEFAULT = "default";
    /** A borrow limit that never limits. */
    public static final int UNLIMITED = Integer.MAX_VALUE;

    public QueueView {
        Objects.requireNonNull(name, "name");
        if (guaranteedGpus < 0 || borrowLimitGpus < 0) {
            throw new IllegalArgumentException("queue " + name + " has a negative guarantee or borrow limit");
        }
        if (!(weight > 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("queue " + name + " needs a positive weight: " + weight);
        }
        if (name.equals(parent)) {
            throw new IllegalArgumentException("queue " + name + " is its own parent");
        }
    }

    /** A queue the snapshot does not describe: a root with no guarantee, weight 1 and unlimited borrowing. */
    public static QueueView unconfigured(String name) {
        return new QueueView(name, null, 0, 1.0, UNLIMITED);
    }

    /** The most GPUs jobs of this queue and its children may hold at once. */
    public long limitGpus() {
        return borrowLimitGpus == UNLIMITED ? Long.MAX_VALUE : (long) guaranteedGpus + borrowLimitGpus;
    }
}
