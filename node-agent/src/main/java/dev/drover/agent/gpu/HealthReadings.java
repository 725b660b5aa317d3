package dev.drover.agent.gpu;

import java.util.List;

/**
 * One round of health readings of a node.
 *
 * @param gpus one entry per GPU of the inventory, in index order
 * @param nodeFaults node-level trouble (NVML unusable, ...); empty when none
 */
public record HealthReadings(List<GpuReadings> gpus, List<NodeFault> nodeFaults) {
  public HealthReadings {
    gpus = List.copyOf(gpus);
    nodeFaults = nodeFaults == null ? List.of() : List.copyOf(nodeFaults);
  }

  /**
   * Something wrong with the node as a whole rather than with one GPU.
   *
   * @param code NVML_FAILURE or DRIVER, as {@link dev.drover.protocol.agent.HealthCondition} names them
   */
  public record NodeFault(String code, String reason) {}
}
