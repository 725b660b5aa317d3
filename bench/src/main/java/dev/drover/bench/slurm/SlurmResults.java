package dev.drover.bench.slurm;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code shared/bench/slurm/bench.sh} measured for one profile, read from its {@code RESULT}
 * lines (one per test: {@code submit}, {@code par}, {@code array}, {@code gang}, {@code gangalloc},
 * {@code lat}), and the best Slurm figure for each of the comparison's workloads.
 */
public final class SlurmResults {
    private static final Pattern TEST = Pattern.compile("\\btest=(\\w+)");
    private static final Pattern NUMBER = Pattern.compile("\\b(\\w+)=([0-9]+(?:\\.[0-9]+)?)(?:/s|ms)?(?=[\\s\\]]|$)");
    private static final Pattern GROUP = Pattern.compile("(\\w+)\\[([^\\]]*)\\]");

    private final String profile;
    private final Map<String, Map<String, Double>> byTest = new LinkedHashMap<>();

    public SlurmResults(String profile) {
        this.profile = profile;
    }

    public String profile() {
        return profile;
    }

    /** Reads one line of bench.sh's output; lines that are not {@code RESULT} lines are ignored. */
    public void accept(String line) {
        if (!line.startsWith("RESULT ")) {
            return;
        }
        Matcher t = TEST.matcher(line);
        if (!t.find()) {
            return;
        }
        Map<String, Double> fields = new LinkedHashMap<>();
        // Grouped figures first ("sched_to_RUNNING[p50=490ms p90=880ms ...]" -> sched_to_RUNNING.p50 = 490), then plain ones.
        Matcher g = GROUP.matcher(line);
        StringBuilder rest = new StringBuilder();
        int from = 0;
        while (g.find()) {
            Matcher n = NUMBER.matcher(g.group(2));
            while (n.find()) {
                fields.put(g.group(1) + "." + n.group(1), Double.parseDouble(n.group(2)));
            }
            rest.append(line, from, g.start()).append(' ');
            from = g.end();
        }
        rest.append(line.substring(from));
        Matcher n = NUMBER.matcher(rest);
        while (n.find()) {
            fields.putIfAbsent(n.group(1), Double.parseDouble(n.group(2)));
        }
        byTest.put(t.group(1), fields);
    }

    /** A figure of one test, e.g. {@code ("submit", "e2e_s")} or {@code ("lat", "sched_to_RUNNING.p50")}. */
    public OptionalDouble get(String test, String field) {
        Double v = byTest.getOrDefault(test, Map.of()).get(field);
        return v == null ? OptionalDouble.empty() : OptionalDouble.of(v);
    }

    public boolean has(String test) {
        return byTest.containsKey(test);
    }

    /** The best of this profile's measurements for {@code figure}, with the test it came from; null when none was measured. */
    public Comparison.Value best(Comparison.Figure figure) {
        return switch (figure) {
            case SUBMIT_RATE -> pick(figure, java.util.Arrays.asList(
                    candidate("submit", "submit_rate", "1 client"), candidate("par", "submit_rate", "4 clients")));
            case TRIVIAL_ALL_DONE -> pick(figure, java.util.Arrays.asList(
                    candidate("submit", "e2e_s", "1 client"), candidate("par", "e2e_s", "4 clients"),
                    candidate("array", "e2e_s", "job arrays")));
            case GANG_ALL_DONE -> pick(figure, java.util.Arrays.asList(
                    candidate("gang", "e2e_s", "srun true on both nodes"), candidate("gangalloc", "e2e_s", "allocation only")));
            case LATENCY_P50 -> latency("p50");
            case LATENCY_P90 -> latency("p90");
            case LATENCY_MAX -> latency("max");
        };
    }

    private Comparison.Value latency(String p) {
        return pick(Comparison.Figure.LATENCY_P50, java.util.Arrays.asList(
                candidate("lat", "sched_to_RUNNING." + p, "sbatch return -> RUNNING in squeue"),
                candidate("lat", "to_script_start." + p, "sbatch return -> script started")));
    }

    private Comparison.Value candidate(String test, String field, String how) {
        OptionalDouble v = get(test, field);
        return v.isPresent() ? new Comparison.Value(v.getAsDouble(), profile + ", " + test + " (" + how + ")") : null;
    }

    private static Comparison.Value pick(Comparison.Figure figure, List<Comparison.Value> candidates) {
        Comparison.Value best = null;
        for (Comparison.Value v : candidates) {
            if (v != null && (best == null || figure.better(v.value(), best.value()))) {
                best = v;
            }
        }
        return best;
    }
}
