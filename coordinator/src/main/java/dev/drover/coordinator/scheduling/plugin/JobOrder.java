package dev.drover.coordinator.scheduling.plugin;

import dev.drover.coordinator.scheduling.model.PendingJob;
import java.util.Comparator;

/** The order in which a cycle tries pending jobs; it must be total so that a cycle is deterministic. */
public interface JobOrder extends Comparator<PendingJob> {

    String name();
}
