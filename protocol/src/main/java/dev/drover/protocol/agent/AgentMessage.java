package dev.drover.protocol.agent;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.time.Instant;
import java.util.List;

/**
 * Agent -> coordinator messages on {@code /agent/v1/stream}, JSON text frames with a "type" field.
 *
 * <p>The first message of a connection is {@link Hello}: the full inventory and every replica the
 * agent knows of. After that, changes and heartbeats.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = AgentMessage.Hello.class, name = "hello"),
  @JsonSubTypes.Type(value = AgentMessage.Heartbeat.class, name = "heartbeat"),
  @JsonSubTypes.Type(value = AgentMessage.Telemetry.class, name = "telemetry"),
  @JsonSubTypes.Type(value = AgentMessage.Health.class, name = "health"),
  @JsonSubTypes.Type(value = AgentMessage.ReplicaUpdate.class, name = "replica"),
  @JsonSubTypes.Type(value = AgentMessage.LogChunk.class, name = "log")
})
public sealed interface AgentMessage {

  /** First message: who the agent is, what it has, what it runs. */
  record Hello(
      int protocolVersion,
      String nodeName,
      String agentVersion,
      String address,
      NodeInventory inventory,
      List<ReplicaStatus> replicas)
      implements AgentMessage {}

  record Heartbeat(long seq, Instant sentAt) implements AgentMessage {}

  record Telemetry(Instant at, List<GpuSample> gpus) implements AgentMessage {}

  /**
   * The full health picture of the node, sent after each Welcome, whenever it changes, and again
   * every few telemetry intervals; the coordinator journals only transitions.
   *
   * @param gpus one entry per GPU of the inventory
   * @param node node-level conditions (NVML unusable, driver trouble); empty when none
   */
  record Health(Instant at, List<GpuHealth> gpus, List<HealthCondition> node) implements AgentMessage {
    public Health {
      gpus = gpus == null ? List.of() : List.copyOf(gpus);
      node = node == null ? List.of() : List.copyOf(node);
    }
  }

  /** A replica changed phase. */
  record ReplicaUpdate(ReplicaStatus status) implements AgentMessage {}

  /**
   * An answer to {@link CoordinatorMessage.LogRequest}.
   *
   * @param offset byte offset of data in the replica's log
   * @param nextOffset where the next read continues
   * @param data the bytes as UTF-8 text (invalid sequences replaced)
   * @param finished the replica has exited and nextOffset is the end of its log
   * @param error set when the log cannot be read (unknown allocation, ...)
   */
  record LogChunk(
      String requestId,
      String allocationId,
      long offset,
      long nextOffset,
      String data,
      boolean finished,
      String error)
      implements AgentMessage {}
}
