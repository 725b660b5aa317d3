package dev.drover.bench.jmh;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** Replicas placed, which JMH reports next to the cycle rate as a rate of its own (replicas placed per second). */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class PlacementCounters {
    /** Public and mutable because JMH reads aux counters from public fields. */
    public long replicasPlaced;

    @Setup(Level.Iteration)
    public void reset() {
        replicasPlaced = 0;
    }
}
