package dev.drover.bench.replay;

import dev.drover.coordinator.scheduling.model.PendingJob;
import java.util.List;

/** A trace job inside a queue simulation: its gang shape, its order key for the core, and where and when it ran. */
final class SimulatedJob {
    final TraceJob trace;
    final GangShape shape;
    final long submitSeq;
    /** The core's view of the job, set when it arrives; pending jobs are kept in the core's order of these. */
    PendingJob coreJob;
    long startS = -1;
    GangAssignment assignment;

    SimulatedJob(TraceJob trace, GangShape shape, long submitSeq) {
        this.trace = trace;
        this.shape = shape;
        this.submitSeq = submitSeq;
    }

    long finishS() {
        return startS + trace.durationS();
    }

    /** Per replica: node index and GPU indices; the master node holds the rendezvous port. */
    record GangAssignment(SimulatedJob job, List<Integer> replicaNodes, List<List<Integer>> replicaGpus, int masterNode,
                          int masterPort) {
    }
}
