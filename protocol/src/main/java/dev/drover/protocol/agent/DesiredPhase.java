package dev.drover.protocol.agent;

import com.fasterxml.jackson.annotation.JsonEnumDefaultValue;

/** What the coordinator wants for an allocation. */
public enum DesiredPhase {
  RUN,
  /** Stop the process tree: SIGTERM, the grace period, then SIGKILL. */
  STOP,
  @JsonEnumDefaultValue
  UNKNOWN
}
