package dev.drover.protocol.agent;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;

/** Coordinator -> agent messages on {@code /agent/v1/stream}, JSON text frames with a "type" field. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = CoordinatorMessage.Welcome.class, name = "welcome"),
  @JsonSubTypes.Type(value = CoordinatorMessage.Reject.class, name = "reject"),
  @JsonSubTypes.Type(value = CoordinatorMessage.DesiredState.class, name = "desired"),
  @JsonSubTypes.Type(value = CoordinatorMessage.LogRequest.class, name = "log-request")
})
public sealed interface CoordinatorMessage {

  /** Answer to Hello: the link is up; how often to send heartbeats and telemetry. */
  record Welcome(int protocolVersion, String nodeName, long heartbeatIntervalMillis, long telemetryIntervalMillis)
      implements CoordinatorMessage {}

  /** The coordinator refuses this agent (protocol version, node name taken, ...); the link closes. */
  record Reject(String reason) implements CoordinatorMessage {}

  /**
   * The complete set of replicas the coordinator wants on this node. The agent starts what is
   * missing, stops what is marked STOP or absent, and forgets exited replicas once they are absent.
   * It never acts on a desired state older than one it already applied (generation).
   */
  record DesiredState(long generation, List<ReplicaAssignment> replicas) implements CoordinatorMessage {}

  /**
   * Read a replica's log from offset (or the last maxBytes when offset is negative).
   */
  record LogRequest(String requestId, String allocationId, long offset, int maxBytes)
      implements CoordinatorMessage {}
}
