package dev.drover.protocol.agent;

import java.util.List;

/**
 * The health of one GPU: the worst of its conditions, HEALTHY when there are none.
 *
 * @param index NVML index, as in {@link GpuDevice}
 * @param uuid the GPU's UUID, so a report never lands on the wrong card
 */
public record GpuHealth(int index, String uuid, HealthStatus status, List<HealthCondition> conditions) {
  public GpuHealth {
    conditions = conditions == null ? List.of() : List.copyOf(conditions);
    if (status == null) {
      status = HealthStatus.HEALTHY;
      for (HealthCondition c : conditions) status = status.worst(c.status());
    }
  }
}
