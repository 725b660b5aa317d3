package dev.drover.coordinator.scheduling.plugin;

/** What a scorer may know about the gang being placed: the replicas already tentatively placed in this transaction. */
public interface GangView {

    /** Whether an earlier replica of this gang already sits on the node. */
    boolean usesNode(String nodeName);

    /** Whether an earlier replica of this gang already sits on a node labelled with this rack. */
    boolean usesRack(String rack);

    /** Whether an earlier replica of this gang already sits on a node labelled with this multi-node NVLink domain. */
    boolean usesNvlinkDomain(String domain);

    int replicasPlaced();

    /** Whether an earlier replica sits on a node with a rack label; true when not known. */
    default boolean usesAnyRack() {
        return true;
    }

    /** Whether an earlier replica sits on a node with a multi-node NVLink domain label; true when not known. */
    default boolean usesAnyNvlinkDomain() {
        return true;
    }
}
