package dev.drover.coordinator.scheduling.model;

/** How a gang's replicas are laid out over nodes: packed onto few nodes and one rack, or spread one per node over racks. */
public enum PlacementStrategy {
    PACK,
    SPREAD
}
