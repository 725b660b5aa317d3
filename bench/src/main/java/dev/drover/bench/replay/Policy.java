package dev.drover.bench.replay;

/** The job orderings a replay compares; each is fed to the production core through its inputs only. */
public enum Policy {
    /** Strict head-of-line submit order: a blocked head blocks every job behind it in its queue. */
    FIFO("fifo"),
    /** Shortest true duration first, without head-of-line blocking: a reference that reads the trace's durations. */
    SJF_ORACLE("sjf-oracle"),
    /**
     * What Drover ships: the core's expected-runtime order (priority, then shortest estimate with aging), estimates
     * learned from jobs that already finished, no head-of-line blocking, never the job's own duration.
     */
    DEFAULT("default");

    private final String cliName;

    Policy(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    /** The policy named {@code name} on the command line. */
    public static Policy parse(String name) {
        for (Policy policy : values()) {
            if (policy.cliName.equals(name)) {
                return policy;
            }
        }
        throw new IllegalArgumentException("unknown policy '" + name + "' (fifo, sjf-oracle, default)");
    }

    /** Whether a job that cannot be placed holds back every job behind it. */
    boolean headOfLineBlocking() {
        return this == FIFO;
    }

    /** Whether jobs carry runtime estimates learned from finished jobs and the core orders them by these. */
    boolean learnsRuntimes() {
        return this == DEFAULT;
    }

    /**
     * The core's submit sequence for a job: for {@code fifo} and {@code sjf-oracle} the core orders by priority (all
     * equal here), then by this number, so the ordering they want is encoded here and the production placement code does the rest. The row
     * number in the low bits keeps it unique (rows < 2^20, durations < 2^40 s).
     */
    long submitSeq(TraceJob job) {
        return switch (this) {
            case FIFO, DEFAULT -> job.row();
            case SJF_ORACLE -> (job.durationS() << 20) | job.row();
        };
    }
}
