package dev.drover.coordinator.job;

import java.util.List;

/** Where one replica of a placed gang goes: node, GPUs and its ranks within the gang. */
public record ReplicaSlot(
    int rank,
    String allocationId,
    String node,
    String nodeAddress,
    List<Integer> gpuIndices,
    List<String> gpuUuids,
    int nodeRank,
    int localRank,
    int localWorldSize) {

  /** Allocation ids are unique per job, attempt and rank, so an agent never runs one twice. */
  public static String allocationId(String jobId, int attempt, int rank) {
    return jobId + "-a" + attempt + "-r" + rank;
  }
}
