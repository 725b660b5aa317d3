package dev.drover.bench.replay;

/** When a replayed job was submitted, started and finished (simulated seconds), and how many GPUs it held. */
public record JobOutcome(String jobId, long submitS, long startS, long finishS, long gpus) {

    public long queueS() {
        return startS - submitS;
    }

    public long jctS() {
        return finishS - submitS;
    }
}
