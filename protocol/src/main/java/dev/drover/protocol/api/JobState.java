package dev.drover.protocol.api;

import com.fasterxml.jackson.annotation.JsonEnumDefaultValue;

/** Lifecycle of a job as the API shows it. */
public enum JobState {
  /** Accepted, waiting for GPUs (see the pending reason), or waiting out a restart backoff. */
  PENDING,
  /** GPUs allocated, replicas being started. */
  STARTING,
  /** Every replica of the gang is running. */
  RUNNING,
  /** Cancel requested, replicas being stopped. */
  CANCELLING,
  SUCCEEDED,
  FAILED,
  CANCELLED,
  @JsonEnumDefaultValue
  UNKNOWN;

  public boolean terminal() {
    return this == SUCCEEDED || this == FAILED || this == CANCELLED;
  }
}
