package dev.drover.agent.faults;

import dev.drover.agent.gpu.SimulatedFault;
import dev.drover.agent.health.RecordedXid;
import dev.drover.protocol.agent.AgentMessage;
import java.util.List;

/**
 * What every fault-injection answer carries: the faults injected and not cleared, the last XIDs
 * seen (with the policy's verdict), and the node's health after the request took effect.
 */
public record FaultState(List<SimulatedFault> injected, List<RecordedXid> recentXids, AgentMessage.Health health) {
  public FaultState {
    injected = injected == null ? List.of() : List.copyOf(injected);
    recentXids = recentXids == null ? List.of() : List.copyOf(recentXids);
  }
}
