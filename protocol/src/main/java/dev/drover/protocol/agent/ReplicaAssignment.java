package dev.drover.protocol.agent;

import java.util.List;
import java.util.Map;

/**
 * One replica the coordinator wants on this node, with everything the agent needs to start it.
 *
 * @param allocationId unique per job, attempt and rank; the agent never starts the same one twice
 * @param gpuIndices NVML indices of the GPUs given to this replica
 * @param masterAddr address of rank 0's node
 * @param masterPort port on rank 0's node assigned by the coordinator from that node's port range
 * @param maxRuntimeMillis 0 for no limit
 */
public record ReplicaAssignment(
    String allocationId,
    String jobId,
    String jobName,
    int attempt,
    int rank,
    int localRank,
    int localWorldSize,
    int nodeRank,
    int worldSize,
    int numNodes,
    List<Integer> gpuIndices,
    List<String> gpuUuids,
    String masterAddr,
    int masterPort,
    List<String> command,
    List<String> args,
    Map<String, String> env,
    String workingDir,
    long maxRuntimeMillis,
    long gracePeriodMillis,
    DesiredPhase desired) {}
