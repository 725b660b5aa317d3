package dev.drover.protocol.spec;

import java.util.Map;

/**
 * Where a gang's replicas may and should go.
 *
 * @param strategy "pack" (fewest nodes, same rack first; the default) or "spread" (one replica per
 *     node where possible, distinct racks preferred)
 * @param requireLabels node labels a node must have, all of them, to take a replica
 * @param preferLabels node labels that make a node preferred
 */
public record PlacementSpec(String strategy, Map<String, String> requireLabels, Map<String, String> preferLabels) {
  public static final PlacementSpec DEFAULT = new PlacementSpec("pack", Map.of(), Map.of());
}
