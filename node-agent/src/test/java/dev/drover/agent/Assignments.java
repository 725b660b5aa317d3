package dev.drover.agent;

import dev.drover.protocol.agent.DesiredPhase;
import dev.drover.protocol.agent.ReplicaAssignment;
import java.util.List;
import java.util.Map;

/** Replica assignments for tests. */
public final class Assignments {
  private Assignments() {}

  public static ReplicaAssignment shell(String id, List<Integer> gpus, String script) {
    return of(id, gpus, List.of("sh", "-c", script), Map.of(), null, 0, 500, DesiredPhase.RUN);
  }

  public static ReplicaAssignment of(String id, List<Integer> gpus, List<String> command, Map<String, String> env,
      String workingDir, long maxRuntimeMillis, long graceMillis, DesiredPhase desired) {
    List<String> uuids = gpus.stream().map(g -> "GPU-0000000" + g + "-0000-0000-0000-000000000000").toList();
    return new ReplicaAssignment(id, "job-" + id, "train", 1, 3, 1, 2, 1, 4, 2, gpus, uuids, "10.0.0.5", 29501,
        command, List.of(), env, workingDir, maxRuntimeMillis, graceMillis, desired);
  }

  public static ReplicaAssignment withDesired(ReplicaAssignment a, DesiredPhase d) {
    return new ReplicaAssignment(a.allocationId(), a.jobId(), a.jobName(), a.attempt(), a.rank(), a.localRank(),
        a.localWorldSize(), a.nodeRank(), a.worldSize(), a.numNodes(), a.gpuIndices(), a.gpuUuids(), a.masterAddr(),
        a.masterPort(), a.command(), a.args(), a.env(), a.workingDir(), a.maxRuntimeMillis(), a.gracePeriodMillis(), d,
        a.stopSignal());
  }

  /** The same assignment, stopped first with the given signal instead of SIGTERM. */
  public static ReplicaAssignment withStopSignal(ReplicaAssignment a, String signal) {
    return new ReplicaAssignment(a.allocationId(), a.jobId(), a.jobName(), a.attempt(), a.rank(), a.localRank(),
        a.localWorldSize(), a.nodeRank(), a.worldSize(), a.numNodes(), a.gpuIndices(), a.gpuUuids(), a.masterAddr(),
        a.masterPort(), a.command(), a.args(), a.env(), a.workingDir(), a.maxRuntimeMillis(), a.gracePeriodMillis(),
        a.desired(), signal);
  }
}
