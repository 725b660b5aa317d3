package dev.drover.protocol.agent;

import com.fasterxml.jackson.annotation.JsonEnumDefaultValue;

/** Why a replica process ended. */
public enum Termination {
  /** The process exited by itself; the exit code says how. */
  COMPLETED,
  /** Stopped because the coordinator no longer wanted it (cancel, preemption, gang restart). */
  STOPPED,
  /** The process could not be started (no such program, bad working directory, ...). */
  START_FAILED,
  /** Killed because it ran past the job's maxRuntime. */
  MAX_RUNTIME_EXCEEDED,
  /** The agent lost track of it (e.g. it vanished while the agent was down). */
  LOST,
  @JsonEnumDefaultValue
  UNKNOWN
}
