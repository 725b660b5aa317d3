package dev.drover.bench.slurm;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The side-by-side table: Drover's figure for each workload, each Slurm profile's best, Slurm's best
 * over the profiles, and how many times better Drover is than that best (above 1: Drover is better).
 */
public final class Comparison {

    /** The compared figures, and which way is better. */
    public enum Figure {
        SUBMIT_RATE("(1) 2,000 trivial jobs: submit, jobs/s", true, "%,.1f", 10),
        TRIVIAL_ALL_DONE("(1) 2,000 trivial jobs: first submit -> all done, s", false, "%,.2f", 10),
        GANG_ALL_DONE("(2) 500 gangs of 2 x 4 GPUs: first submit -> all done, s", false, "%,.2f", 10),
        LATENCY_P50("(3) idle cluster, submit -> running p50, ms", false, "%,.0f", 0),
        LATENCY_P90("(3) idle cluster, submit -> running p90, ms", false, "%,.0f", 0),
        LATENCY_MAX("(3) idle cluster, submit -> running max, ms", false, "%,.0f", 0);

        final String label;
        final boolean higherIsBetter;
        final String format;
        /** The target as a multiple of Slurm's best; 0: none (the latency target is absolute). */
        final double targetFactor;

        Figure(String label, boolean higherIsBetter, String format, double targetFactor) {
            this.label = label;
            this.higherIsBetter = higherIsBetter;
            this.format = format;
            this.targetFactor = targetFactor;
        }

        public boolean better(double a, double b) {
            return higherIsBetter ? a > b : a < b;
        }

        /** How many times better {@code drover} is than {@code slurm} (above 1: better). */
        public double advantage(double drover, double slurm) {
            return higherIsBetter ? drover / slurm : slurm / drover;
        }
    }

    /** A figure and where it came from. */
    public record Value(double value, String how) {}

    /** The absolute target for the idle latency p50, in ms. */
    static final double LATENCY_P50_TARGET_MS = 25;

    private final Map<Figure, Double> drover;
    private final List<SlurmResults> slurm;

    public Comparison(Map<Figure, Double> drover, List<SlurmResults> slurm) {
        this.drover = new EnumMap<>(drover);
        this.slurm = List.copyOf(slurm);
    }

    /** Slurm's best for {@code f} over every profile; null when no profile measured it. */
    public Value slurmBest(Figure f) {
        Value best = null;
        for (SlurmResults r : slurm) {
            Value v = r.best(f);
            if (v != null && (best == null || f.better(v.value(), best.value()))) {
                best = v;
            }
        }
        return best;
    }

    /** The table, one row per figure. */
    public String table() {
        List<List<String>> rows = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of("figure", "Drover"));
        for (SlurmResults r : slurm) {
            header.add("Slurm " + r.profile());
        }
        header.addAll(List.of("Slurm best", "Drover vs best", "target", "Slurm best is"));
        rows.add(header);
        for (Figure f : Figure.values()) {
            List<String> row = new ArrayList<>(List.of(f.label));
            Double d = drover.get(f);
            row.add(format(f, d));
            for (SlurmResults r : slurm) {
                Value v = r.best(f);
                row.add(v == null ? "-" : format(f, v.value()));
            }
            Value best = slurmBest(f);
            row.add(best == null ? "-" : format(f, best.value()));
            boolean both = best != null && d != null && !Double.isNaN(d) && d > 0 && best.value() > 0;
            double adv = both ? f.advantage(d, best.value()) : Double.NaN;
            row.add(both ? String.format(Locale.ROOT, "%.2fx", adv) : "-");
            row.add(target(f, d, adv));
            row.add(best == null ? "-" : best.how());
            rows.add(row);
        }
        return render(rows);
    }

    private static String target(Figure f, Double d, double adv) {
        if (f == Figure.LATENCY_P50) {
            if (d == null || Double.isNaN(d)) {
                return "<= 25 ms: -";
            }
            return "<= 25 ms: " + (d <= LATENCY_P50_TARGET_MS ? "met" : "missed");
        }
        if (f.targetFactor == 0) {
            return "";
        }
        String t = String.format(Locale.ROOT, ">= %.0fx: ", f.targetFactor);
        return t + (Double.isNaN(adv) ? "-" : adv >= f.targetFactor ? "met" : "missed");
    }

    private static String format(Figure f, Double v) {
        return v == null || Double.isNaN(v) ? "-" : String.format(Locale.ROOT, f.format, v);
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
                boolean left = i == 0 || i == r.size() - 1;
                String cell = r.get(i);
                String padded = left ? String.format("%-" + width[i] + "s", cell) : String.format("%" + width[i] + "s", cell);
                b.append(i == 0 ? "" : "  ").append(i == r.size() - 1 ? padded.stripTrailing() : padded);
            }
            b.append('\n');
        }
        return b.toString();
    }
}
