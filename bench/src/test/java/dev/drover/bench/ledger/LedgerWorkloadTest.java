package dev.drover.bench.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drover.coordinator.job.ReplicaSlot;
import dev.drover.coordinator.scheduling.SchedulerSingleton.Allocation;
import dev.drover.coordinator.scheduling.SchedulerSingleton.Event;
import dev.drover.coordinator.scheduling.SchedulerSingleton.JobQueued;
import dev.drover.coordinator.scheduling.SchedulerSingleton.JobReleased;
import dev.drover.coordinator.scheduling.SchedulerSingleton.PlacementCommitted;
import dev.drover.coordinator.scheduling.SchedulerSingleton.PreemptionDecided;
import dev.drover.coordinator.scheduling.SchedulerSingleton.State;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The decision stream is a ledger the real event handler accepts: bounded, never double-booking a GPU, with every kind of decision. */
class LedgerWorkloadTest {

    @Test
    void theLedgerStaysBoundedAndNoGpuIsHeldTwice() {
        LedgerWorkload w = new LedgerWorkload(16, 8, 20, 7);
        State s = State.empty();
        Map<Class<?>, Integer> kinds = new HashMap<>();
        Instant last = Instant.EPOCH;
        for (int batch = 0; batch < 300; batch++) {
            for (Event e : w.next(100)) {
                kinds.merge(e.getClass(), 1, Integer::sum);
                Instant at = at(e);
                assertTrue(!at.isBefore(last), "time never goes back");
                last = at;
                if (e instanceof PlacementCommitted p) {
                    assertTrue(!s.allocations().containsKey(p.allocation().key()), "placed twice: " + p.allocation().key());
                }
                s = s.apply(e);
            }
            assertEquals(w.runningJobs(), s.allocations().size(), "the generator and the ledger agree on what runs");
            assertEquals(w.waiting(), s.pending().size(), "and on what waits");
            // requeued victims may push the queue a little past its target
            assertTrue(s.pending().size() <= 40, "waiting jobs stay bounded: " + s.pending().size());
            assertTrue(s.terminating().isEmpty(), "every preemption is followed by its release");
            Set<String> held = new HashSet<>();
            int gpus = 0;
            for (Allocation a : s.allocations().values()) {
                for (ReplicaSlot r : a.slots()) {
                    for (int g : r.gpuIndices()) {
                        assertTrue(held.add(r.node() + "/" + g), "GPU held twice: " + r.node() + "/" + g);
                        assertTrue(g >= 0 && g < 8);
                        gpus++;
                    }
                }
            }
            assertTrue(gpus <= w.clusterGpus());
        }
        assertEquals(30_000, w.emitted());
        for (Class<?> k : List.of(JobQueued.class, PlacementCommitted.class, JobReleased.class, PreemptionDecided.class)) {
            assertTrue(kinds.getOrDefault(k, 0) > 0, "no " + k.getSimpleName() + " in " + kinds);
        }
        // a full cluster: about a third each of queued, placed and released
        assertTrue(kinds.get(PlacementCommitted.class) > 9_000, kinds.toString());
        assertTrue(s.runtimes().size() > 1_000, "completed runs teach runtimes");
    }

    @Test
    void theSameSeedGivesTheSameDecisions() {
        assertEquals(new LedgerWorkload(8, 8, 10, 42).next(2_000), new LedgerWorkload(8, 8, 10, 42).next(2_000));
    }

    @Test
    void refusesShapesItCannotPlace() {
        assertThrows(IllegalArgumentException.class, () -> new LedgerWorkload(3, 8, 10, 1));
        assertThrows(IllegalArgumentException.class, () -> new LedgerWorkload(8, 4, 10, 1));
        assertThrows(IllegalArgumentException.class, () -> new LedgerWorkload(8, 8, 0, 1));
    }

    private static Instant at(Event e) {
        if (e instanceof JobQueued q) {
            return q.at();
        } else if (e instanceof PlacementCommitted p) {
            return p.at();
        } else if (e instanceof JobReleased r) {
            return r.at();
        } else if (e instanceof PreemptionDecided p) {
            return p.at();
        }
        throw new AssertionError(e);
    }
}
