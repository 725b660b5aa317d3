package dev.drover.bench.stats;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Arrays;
import java.util.Collection;

/** Order statistics of a sample by nearest rank: the p-th percentile is the smallest value with at least p % of the sample at or below it. */
public final class Percentiles {
    private final double[] sorted;

    private Percentiles(double[] sorted) {
        this.sorted = sorted;
    }

    public static Percentiles of(Collection<? extends Number> values) {
        double[] v = new double[values.size()];
        int i = 0;
        for (Number n : values) {
            if (n == null || Double.isNaN(n.doubleValue())) {
                throw new IllegalArgumentException("a sample value is missing or NaN");
            }
            v[i++] = n.doubleValue();
        }
        Arrays.sort(v);
        return new Percentiles(v);
    }

    public static Percentiles of(double... values) {
        double[] v = values.clone();
        for (double d : v) {
            if (Double.isNaN(d)) {
                throw new IllegalArgumentException("a sample value is NaN");
            }
        }
        Arrays.sort(v);
        return new Percentiles(v);
    }

    public int count() {
        return sorted.length;
    }

    public boolean isEmpty() {
        return sorted.length == 0;
    }

    /** The nearest-rank percentile, {@code 0 < p <= 100}; NaN for an empty sample. */
    public double percentile(double p) {
        if (!(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("a percentile is in (0, 100], got " + p);
        }
        if (sorted.length == 0) {
            return Double.NaN;
        }
        // exact decimal arithmetic: 7 % of 100 must be rank 7, not the 8 that 0.07 * 100 rounds up to in binary
        int rank = BigDecimal.valueOf(p).multiply(BigDecimal.valueOf(sorted.length))
                .divide(BigDecimal.valueOf(100), 0, RoundingMode.CEILING).intValueExact();
        return sorted[Math.max(rank, 1) - 1];
    }

    public double p50() {
        return percentile(50);
    }

    public double min() {
        return sorted.length == 0 ? Double.NaN : sorted[0];
    }

    public double max() {
        return sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1];
    }

    public double mean() {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        double sum = 0;
        for (double d : sorted) {
            sum += d;
        }
        return sum / sorted.length;
    }
}
