package dev.drover.coordinator.scheduling;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.drover.coordinator.scheduling.cycle.SchedulingCycle;
import dev.drover.coordinator.scheduling.model.ClusterSnapshot;
import dev.drover.coordinator.scheduling.model.GpuSlot;
import dev.drover.coordinator.scheduling.model.NodeView;
import dev.drover.coordinator.scheduling.model.PendingJob;
import dev.drover.coordinator.scheduling.model.Placement;
import dev.drover.coordinator.scheduling.model.PlacementStrategy;
import dev.drover.coordinator.scheduling.model.Plan;
import dev.drover.coordinator.scheduling.model.QueueView;
import dev.drover.coordinator.scheduling.model.SchedulerConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A requeued victim never takes back the GPUs its stop freed while its preemptor still waits. */
class RequeuedVictimOrderTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  private static PendingJob job(String id, String queue, long seq, int gpus, Set<String> preemptedBy) {
    return new PendingJob(id, 2, queue, 0, seq, NOW.plusSeconds(seq), 1, gpus, 1, 1L << 30, false, null, Map.of(), Map.of(),
        PlacementStrategy.PACK, preemptedBy);
  }

  @Test
  void thePreemptorGoesFirstEvenThoughTheVictimWasSubmittedEarlier() {
    List<GpuSlot> gpus = new ArrayList<>();
    for (int i = 0; i < 4; i++) gpus.add(new GpuSlot(i, "g" + i, true));
    NodeView node = new NodeView("n1", "10.0.0.1", true, false, false, gpus, Set.of(), 32, 0, 256L << 30, 0, Map.of(), 29500, 29599,
        Set.of());
    PendingJob victim = job("borrower", "team-b", 1, 4, Set.of("owner"));
    PendingJob preemptor = job("owner", "team-a", 2, 2, Set.of());
    List<QueueView> queues = List.of(new QueueView("team-a", null, 4, 1, 0), new QueueView("team-b", null, 0, 1, 4));
    Plan plan = SchedulingCycle.run(new ClusterSnapshot(List.of(node), List.of(victim, preemptor), NOW, List.of(), queues,
        SchedulerConfig.defaults()));
    assertEquals(List.of("owner"), plan.placements().stream().map(Placement::jobId).toList());
    assertEquals("INSUFFICIENT_GPUS", plan.pendingReasons().get("borrower").code());
  }
}
