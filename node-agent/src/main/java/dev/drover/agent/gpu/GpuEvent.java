package dev.drover.agent.gpu;

import java.time.Instant;

/** Something a backend noticed between two readings; the health monitor reacts at once. */
public sealed interface GpuEvent {

  /** The driver reported an XID (NVML event nvmlEventTypeXidCriticalError, or a simulated one). */
  record Xid(int gpu, long xid, Instant at) implements GpuEvent {}

  /** The readings changed (an ECC event, an injected fault): read them again now. */
  record ReadingsChanged(String why) implements GpuEvent {}

  /**
   * The GPU was reset (only a simulation knows; a real reset restarts the agent): what the agent
   * remembers of it (XIDs, counter baselines) is forgotten.
   *
   * @param gpu the GPU, or null for every GPU
   */
  record Reset(Integer gpu) implements GpuEvent {}

  /**
   * Whether the event watch works. While it does not, XIDs go unseen, which is a node-level condition.
   *
   * @param problem null when the watch works (again)
   */
  record WatchState(String problem) implements GpuEvent {}
}
