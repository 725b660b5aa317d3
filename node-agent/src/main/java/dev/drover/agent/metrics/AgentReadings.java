package dev.drover.agent.metrics;

import dev.drover.protocol.agent.AgentMessage;
import dev.drover.protocol.agent.GpuDevice;
import dev.drover.protocol.agent.GpuSample;
import dev.drover.protocol.agent.ReplicaStatus;
import java.util.List;

/** What the agent's gauges read each interval, from the running agent. */
public interface AgentReadings {
  List<GpuDevice> gpus();

  List<GpuSample> sample();

  AgentMessage.Health health();

  List<ReplicaStatus> replicas();
}
