package dev.drover.bench.load;

import dev.drover.bench.stats.Percentiles;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The measured jobs of one load run and what they add up to: accepted submissions per second and
 * the latency percentiles of accept, submit to scheduled and submit to running.
 *
 * @param startedAt when the first measured submission was sent
 * @param submitSeconds from the first submission until the last one was answered
 */
public record LoadResult(LoadSettings settings, Instant startedAt, double submitSeconds, List<JobTiming> jobs) {

    public LoadResult {
        jobs = List.copyOf(jobs);
    }

    public long accepted() {
        return jobs.stream().filter(JobTiming::accepted).count();
    }

    public long ran() {
        return jobs.stream().filter(JobTiming::ran).count();
    }

    /** Jobs whose final event (succeeded, failed or cancelled) was read. */
    public long finished() {
        return jobs.stream().filter(JobTiming::finished).count();
    }

    /** Jobs that succeeded, as the tool last saw them. */
    public long succeeded() {
        return jobs.stream().filter(j -> "SUCCEEDED".equals(j.state())).count();
    }

    /** From the first POST until the last job's final event (coordinator clock); NaN when a job did not finish. */
    public double allDoneSeconds() {
        if (jobs.isEmpty() || finished() < jobs.size()) {
            return Double.NaN;
        }
        Instant last = jobs.stream().map(JobTiming::finishedAt).max(Instant::compareTo).orElseThrow();
        return Duration.between(startedAt, last).toNanos() / 1e9;
    }

    /** POSTs beyond the first, over all jobs: refusals and failures that were retried. */
    public long retries() {
        return jobs.stream().filter(JobTiming::accepted).mapToLong(j -> j.attempts() - 1).sum();
    }

    /** Accepted submissions per second, over the time from the first POST to the last answer. */
    public double acceptedPerSecond() {
        return submitSeconds > 0 ? accepted() / submitSeconds : Double.NaN;
    }

    /** Jobs that became running per second, from the first POST until the last job was running. */
    public double runningPerSecond() {
        Instant last = jobs.stream().filter(JobTiming::ran).map(JobTiming::runningAt).max(Instant::compareTo).orElse(null);
        if (last == null) {
            return Double.NaN;
        }
        double s = Duration.between(startedAt, last).toNanos() / 1e9;
        return s > 0 ? ran() / s : Double.NaN;
    }

    public Percentiles acceptMillis() {
        return Percentiles.of(jobs.stream().filter(JobTiming::accepted).map(JobTiming::acceptMillis).toList());
    }

    public Percentiles scheduledMillis() {
        return Percentiles.of(jobs.stream().filter(j -> j.scheduledAt() != null).map(JobTiming::scheduledMillis).toList());
    }

    public Percentiles runningMillis() {
        return Percentiles.of(jobs.stream().filter(JobTiming::ran).map(JobTiming::runningMillis).toList());
    }

    /** The figures, by name, in the order the tables print them. */
    public Map<String, Double> figures() {
        Map<String, Double> f = new LinkedHashMap<>();
        f.put("jobs submitted", (double) jobs.size());
        f.put("accepted", (double) accepted());
        f.put("retried POSTs", (double) retries());
        f.put("ran", (double) ran());
        f.put("submit phase s", submitSeconds);
        f.put("accepted/s", acceptedPerSecond());
        f.put("running/s", runningPerSecond());
        percentiles(f, "accept ms", acceptMillis());
        percentiles(f, "submit->scheduled ms", scheduledMillis());
        percentiles(f, "submit->running ms", runningMillis());
        return f;
    }

    private static void percentiles(Map<String, Double> f, String name, Percentiles p) {
        f.put(name + " p50", p.isEmpty() ? Double.NaN : p.p50());
        f.put(name + " p90", p.isEmpty() ? Double.NaN : p.percentile(90));
        f.put(name + " p99", p.isEmpty() ? Double.NaN : p.percentile(99));
        f.put(name + " max", p.isEmpty() ? Double.NaN : p.max());
    }

    /** This run as a two-column table. */
    public String table() {
        return compare(List.of("value"), List.of(this), false);
    }

    /**
     * Runs side by side, one column each under {@code names}; with {@code ratios}, a last column
     * divides the second run's figure by the first one's.
     */
    public static String compare(List<String> names, List<LoadResult> runs, boolean ratios) {
        if (names.size() != runs.size() || runs.isEmpty()) {
            throw new IllegalArgumentException("one name per run");
        }
        List<String> header = new ArrayList<>(List.of("figure"));
        header.addAll(names);
        boolean withRatio = ratios && runs.size() == 2;
        if (withRatio) {
            header.add(names.get(1) + " / " + names.get(0));
        }
        List<List<String>> rows = new ArrayList<>();
        rows.add(header);
        List<Map<String, Double>> figures = runs.stream().map(LoadResult::figures).toList();
        for (String key : figures.get(0).keySet()) {
            List<String> row = new ArrayList<>(List.of(key));
            for (Map<String, Double> f : figures) {
                row.add(format(key, f.get(key)));
            }
            if (withRatio) {
                double a = figures.get(0).get(key);
                double b = figures.get(1).get(key);
                row.add(Double.isNaN(a) || Double.isNaN(b) || a == 0 ? "-" : String.format(Locale.ROOT, "%.2fx", b / a));
            }
            rows.add(row);
        }
        return render(rows);
    }

    private static String format(String key, double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        if (key.endsWith("ms p50") || key.endsWith("ms p90") || key.endsWith("ms p99") || key.endsWith("ms max")) {
            return String.format(Locale.ROOT, "%,.1f", v);
        }
        if (key.endsWith("/s") || key.endsWith(" s")) {
            return String.format(Locale.ROOT, "%,.2f", v);
        }
        return String.format(Locale.ROOT, "%,.0f", v);
    }

    static String render(List<List<String>> rows) {
        int[] width = new int[rows.get(0).size()];
        for (List<String> r : rows) {
            for (int i = 0; i < r.size(); i++) {
                width[i] = Math.max(width[i], r.get(i).length());
            }
        }
        StringBuilder b = new StringBuilder();
        for (List<String> r : rows) {
            for (int i = 0; i < r.size(); i++) {
                String cell = r.get(i);
                b.append(i == 0 ? String.format("%-" + width[i] + "s", cell) : String.format("  %" + width[i] + "s", cell));
            }
            b.append('\n');
        }
        return b.toString();
    }
}
