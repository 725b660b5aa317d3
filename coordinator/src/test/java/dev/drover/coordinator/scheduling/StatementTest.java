package dev.drover.coordinator.scheduling;

import static dev.drover.coordinator.scheduling.TestClusters.GIB;
import static dev.drover.coordinator.scheduling.TestClusters.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drover.coordinator.scheduling.cycle.ClusterState;
import dev.drover.coordinator.scheduling.cycle.NodeCapacity;
import dev.drover.coordinator.scheduling.cycle.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The in-memory transaction a gang is placed in: rollback restores exactly, commit keeps. */
class StatementTest {

    @Test
    void rollbackToCheckpointUndoesOnlyLaterChanges() {
        ClusterState state = ClusterState.of(List.of(node("a", 8).cpus(10, 0.3).build(), node("b", 4).build()));
        NodeCapacity a = state.nodes().get(0);
        Statement statement = state.statement();
        statement.allocate(a, a.pickGpus(2), 0.1, GIB);
        int checkpoint = statement.checkpoint();
        statement.allocate(a, a.pickGpus(4), 0.7, 2 * GIB);
        statement.takePort(a, 29500);
        assertEquals(2, a.freeGpuCount());
        assertEquals(6, state.totalFreeGpus());
        assertEquals(4, state.largestFreeGpus());

        statement.rollback(checkpoint);

        assertEquals(6, a.freeGpuCount());
        assertEquals(List.of(2, 3, 4, 5), a.pickGpus(4));
        assertEquals(9.6, a.freeCpus(), 1e-12);
        assertEquals(512 * GIB - GIB, a.freeMemoryBytes());
        assertEquals(29500, a.lowestFreePort().getAsInt());
        assertEquals(10, state.totalFreeGpus());
        assertEquals(6, state.largestFreeGpus());
    }

    @Test
    void discardRestoresTheStartAndCommitKeeps() {
        ClusterState state = ClusterState.of(List.of(node("a", 8).cpus(10, 0.3).build()));
        NodeCapacity a = state.nodes().get(0);
        double cpusBefore = a.freeCpus();
        Statement statement = state.statement();
        statement.allocate(a, List.of(0, 1, 2), 0.1, GIB);
        statement.discard();
        assertEquals(8, a.freeGpuCount());
        assertEquals(cpusBefore, a.freeCpus());
        assertTrue(a.isGpuFree(0));

        Statement kept = state.statement();
        kept.allocate(a, List.of(0, 1, 2), 0.1, GIB);
        kept.commit();
        kept.discard();
        assertFalse(a.isGpuFree(0));
        assertEquals(5, a.freeGpuCount());
    }

    @Test
    void aGpuCannotBeTakenTwice() {
        ClusterState state = ClusterState.of(List.of(node("a", 8).allocated(3).build()));
        NodeCapacity a = state.nodes().get(0);
        Statement statement = state.statement();
        assertThrows(IllegalStateException.class, () -> statement.allocate(a, List.of(3), 0, 0));
        statement.allocate(a, List.of(0), 0, 0);
        assertThrows(IllegalStateException.class, () -> statement.allocate(a, List.of(0), 0, 0));
    }
}
