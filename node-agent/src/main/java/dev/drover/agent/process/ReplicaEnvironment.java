package dev.drover.agent.process;

import dev.drover.protocol.agent.ReplicaAssignment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The variables the agent sets for a replica: GPU isolation, Drover identity and torch.distributed rendezvous. */
public final class ReplicaEnvironment {
  private ReplicaEnvironment() {}

  /**
   * The agent's variables for a replica. They are applied after the job's own env, so a job cannot
   * unset its GPU isolation or its rank by accident.
   */
  public static Map<String, String> of(ReplicaAssignment a, String nodeName) {
    Map<String, String> env = new LinkedHashMap<>();
    List<Integer> indices = a.gpuIndices() == null ? List.of() : a.gpuIndices();
    List<String> uuids = a.gpuUuids() == null ? List.of() : a.gpuUuids();
    env.put("CUDA_VISIBLE_DEVICES", indices.stream().map(String::valueOf).collect(Collectors.joining(",")));
    env.put("CUDA_DEVICE_ORDER", "PCI_BUS_ID");
    env.put("NVIDIA_VISIBLE_DEVICES", uuids.isEmpty() ? "void" : String.join(",", uuids));
    env.put("DROVER_JOB_ID", nullToEmpty(a.jobId()));
    env.put("DROVER_JOB_NAME", nullToEmpty(a.jobName()));
    env.put("DROVER_ALLOCATION_ID", a.allocationId());
    env.put("DROVER_ATTEMPT", Integer.toString(a.attempt()));
    env.put("DROVER_NODE_NAME", nodeName);
    env.put("WORLD_SIZE", Integer.toString(a.worldSize()));
    env.put("RANK", Integer.toString(a.rank()));
    env.put("LOCAL_RANK", Integer.toString(a.localRank()));
    env.put("LOCAL_WORLD_SIZE", Integer.toString(a.localWorldSize()));
    env.put("NODE_RANK", Integer.toString(a.nodeRank()));
    env.put("NUM_NODES", Integer.toString(a.numNodes()));
    env.put("MASTER_ADDR", nullToEmpty(a.masterAddr()));
    env.put("MASTER_PORT", Integer.toString(a.masterPort()));
    return env;
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}
