package dev.drover.protocol.agent;

import com.fasterxml.jackson.annotation.JsonEnumDefaultValue;

/** The actual phase of a replica process on an agent. */
public enum ReplicaPhase {
  /** Accepted by the agent, process not yet started (e.g. waiting for its GPUs to be released). */
  STARTING,
  RUNNING,
  /** Terminal: the process ended (see the termination and the exit code). */
  EXITED,
  @JsonEnumDefaultValue
  UNKNOWN
}
