package dev.drover.bench.replay;

/**
 * How a trace job's GPU count becomes a gang: {@code ceil(gpus / gpusPerNode)} equal replicas of
 * {@code ceil(gpus / replicas)} GPUs each, so no replica is larger than a node. When the GPUs do not divide
 * evenly the gang holds up to {@code replicas - 1} GPUs more than the trace asked (none of Philly's sizes do that).
 */
public record GangShape(int replicas, int gpusPerReplica) {

    public static GangShape of(int gpus, int gpusPerNode) {
        int replicas = (gpus + gpusPerNode - 1) / gpusPerNode;
        int perReplica = (gpus + replicas - 1) / replicas;
        return new GangShape(replicas, perReplica);
    }

    public long totalGpus() {
        return (long) replicas * gpusPerReplica;
    }
}
