package dev.drover.bench.jmh;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code drover bench core}: runs the scheduling-core JMH benchmarks with a short configuration and prints a summary table. */
@Command(name = "bench core", mixinStandardHelpOptions = true,
        description = "JMH benchmarks of the production scheduling core (placements per second, big gang, full cycle, preemption search).")
public final class CoreBenchCommand implements Callable<Integer> {

    @Option(names = "--forks", defaultValue = "1", description = "JVM forks per benchmark (default: ${DEFAULT-VALUE})")
    int forks;

    @Option(names = "--warmup", defaultValue = "2", description = "warmup iterations (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--iterations", defaultValue = "3", description = "measurement iterations (default: ${DEFAULT-VALUE})")
    int iterations;

    @Option(names = "--time", defaultValue = "1", description = "seconds per iteration; a cycle longer than this still runs whole (default: ${DEFAULT-VALUE})")
    int seconds;

    @Option(names = "--include", defaultValue = "dev\\.drover\\.bench\\.jmh\\..*Benchmark",
            description = "regex of benchmarks to run (default: all of them)")
    String include;

    @Option(names = "--jvm-args", defaultValue = "-Xms2g -Xmx6g", split = " ", description = "JVM options of the forked benchmark JVM (default: ${DEFAULT-VALUE})")
    List<String> jvmArgs;

    @Option(names = "-v", description = "show JMH's own progress output")
    boolean verbose;

    public static void main(String[] args) {
        System.exit(new CommandLine(new CoreBenchCommand()).execute(args));
    }

    @Override
    public Integer call() throws RunnerException {
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(include)
                .forks(forks)
                .warmupIterations(warmup)
                .measurementIterations(iterations)
                .warmupTime(TimeValue.seconds(seconds))
                .measurementTime(TimeValue.seconds(seconds))
                .jvmArgs(jvmArgs.toArray(String[]::new))
                .shouldFailOnError(true)
                .verbosity(verbose ? VerboseMode.NORMAL : VerboseMode.SILENT);
        System.out.printf("drover bench core: forks %d, warmup %d x %d s, measurement %d x %d s%n", forks, warmup, seconds,
                iterations, seconds);
        Collection<RunResult> results = new Runner(options.build()).run();
        System.out.print(table(results));
        return 0;
    }

    static String table(Collection<RunResult> results) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"benchmark", "params", "cycles/s", "+-", "ms/cycle", "replicas placed/s"});
        for (RunResult run : results) {
            String name = run.getParams().getBenchmark();
            name = name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1);
            StringBuilder params = new StringBuilder();
            for (String key : run.getParams().getParamsKeys()) {
                params.append(params.length() == 0 ? "" : " ").append(key).append('=').append(run.getParams().getParam(key));
            }
            Result<?> primary = run.getPrimaryResult();
            Result<?> placed = run.getSecondaryResults().get("replicasPlaced");
            rows.add(new String[] {name, params.toString(), format(primary.getScore()), format(primary.getScoreError()),
                    format(1000.0 / primary.getScore()), placed == null ? "-" : format(placed.getScore())});
        }
        int[] width = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                out.append(i == 0 ? "" : "  ").append(String.format(i < 2 ? "%-" + width[i] + "s" : "%" + width[i] + "s", row[i]));
            }
            out.append('\n');
        }
        return out.toString();
    }

    private static String format(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        return value >= 100 ? String.format(Locale.ROOT, "%,.0f", value) : String.format(Locale.ROOT, "%.3f", value);
    }
}
