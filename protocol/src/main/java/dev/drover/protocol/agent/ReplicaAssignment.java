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
 * @param stopSignal the signal a stopped replica gets first (TERM, INT, HUP, QUIT, USR1 or USR2;
 *     null means TERM); SIGKILL follows after the grace period
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
    DesiredPhase desired,
    String stopSignal) {

  /** An assignment whose replica is stopped with SIGTERM. */
  public ReplicaAssignment(String allocationId, String jobId, String jobName, int attempt, int rank, int localRank,
      int localWorldSize, int nodeRank, int worldSize, int numNodes, List<Integer> gpuIndices, List<String> gpuUuids,
      String masterAddr, int masterPort, List<String> command, List<String> args, Map<String, String> env, String workingDir,
      long maxRuntimeMillis, long gracePeriodMillis, DesiredPhase desired) {
    this(allocationId, jobId, jobName, attempt, rank, localRank, localWorldSize, nodeRank, worldSize, numNodes, gpuIndices,
        gpuUuids, masterAddr, masterPort, command, args, env, workingDir, maxRuntimeMillis, gracePeriodMillis, desired, null);
  }

  /** Signal names a job may ask for, with their Linux numbers. */
  public static final Map<String, Integer> STOP_SIGNALS = Map.of("TERM", 15, "INT", 2, "HUP", 1, "QUIT", 3, "USR1", 10, "USR2", 12);

  /** The number of the first signal to send when stopping this replica. */
  public int stopSignalNumber() {
    return stopSignal == null ? 15 : STOP_SIGNALS.getOrDefault(stopSignal, 15);
  }
}
