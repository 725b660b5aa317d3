package dev.drover.bench.replay;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code drover replay}: replays a job trace against the production scheduling core and prints JCT and queueing figures. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Replay a GPU job trace (Philly format) through Drover's scheduling core in simulated time.")
public final class ReplayCommand implements Callable<Integer> {

    @Option(names = "--trace", required = true, description = "trace CSV (job_id,submit_time_s,duration_s,num_gpus,...,user_or_queue)")
    Path trace;

    @Option(names = "--capacity", required = true, description = "capacity CSV (queue,nodes,gpus_per_node,gpus)")
    Path capacity;

    @Option(names = "--policy", defaultValue = "default", description = "fifo | sjf-oracle | default (default: ${DEFAULT-VALUE})")
    String policy;

    @Option(names = "--scale-capacity", defaultValue = "1.0", description = "multiply every queue's node count (rounded, at least 1)")
    double scaleCapacity;

    @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table | json (default: ${DEFAULT-VALUE})")
    String output;

    @Option(names = "--max-jobs-per-cycle", defaultValue = "" + TraceReplay.DEFAULT_MAX_JOBS_PER_CYCLE, hidden = true,
            description = "jobs offered to one cycle at most; any value gives the same placements")
    int maxJobsPerCycle;

    @Option(names = "--aging-rate", hidden = true, description = "default policy: seconds of expected runtime one second of waiting offsets")
    Double agingRate;

    @Option(names = "--history-window", hidden = true, description = "default policy: completed runs per kind the median is taken over")
    Integer historyWindow;

    @Option(names = "--history-min-samples", hidden = true, description = "default policy: runs a kind needs before its median is used")
    Integer historyMinSamples;

    private final PrintStream out;
    private final PrintStream err;

    public ReplayCommand() {
        this(System.out, System.err);
    }

    ReplayCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        System.exit(execute(args, System.out, System.err));
    }

    static int execute(String[] args, PrintStream out, PrintStream err) {
        CommandLine commandLine = new CommandLine(new ReplayCommand(out, err));
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            err.println("drover replay: " + e.getMessage());
            return 2;
        });
        return commandLine.execute(args);
    }

    @Override
    public Integer call() {
        Policy chosen = Policy.parse(policy);
        if (!output.equals("table") && !output.equals("json")) {
            throw new IllegalArgumentException("unknown output '" + output + "' (table, json)");
        }
        long started = System.nanoTime();
        List<TraceJob> jobs = TraceFiles.readJobs(trace);
        List<QueueCapacity> queues = TraceFiles.readCapacities(capacity);
        EstimateSettings d = EstimateSettings.DEFAULTS;
        EstimateSettings estimates = new EstimateSettings(agingRate == null ? d.agingRate() : agingRate,
                historyWindow == null ? d.historyWindow() : historyWindow,
                historyMinSamples == null ? d.historyMinSamples() : historyMinSamples);
        ReplayResult result = TraceReplay.run(jobs, queues, chosen, scaleCapacity, maxJobsPerCycle, estimates);
        double wall = (System.nanoTime() - started) / 1e9;
        // In JSON mode stdout carries the one object only; the counts go to stderr.
        PrintStream notes = output.equals("json") ? err : out;
        if (output.equals("json")) {
            out.println(ReplayReport.json(result));
        } else {
            out.print(ReplayReport.table(result));
        }
        notes.printf("policy %s, scale-capacity %s: %d trace rows, %d skipped (queue not in the capacity file%s), "
                        + "%d skipped as infeasible (larger than their queue's cluster); %.1f s wall%n",
                chosen.cliName(), scaleCapacity, jobs.size(), result.unlistedQueueRows(), describe(result.unlistedRowsByQueue()),
                result.infeasibleJobs(), wall);
        return 0;
    }

    private static String describe(Map<String, Long> byQueue) {
        if (byQueue.isEmpty()) {
            return "";
        }
        StringBuilder s = new StringBuilder(": ");
        byQueue.forEach((q, n) -> s.append(s.length() > 2 ? ", " : "").append(q).append(' ').append(n));
        return s.toString();
    }
}
