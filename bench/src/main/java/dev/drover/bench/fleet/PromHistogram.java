package dev.drover.bench.fleet;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One unlabelled Prometheus histogram read from a {@code /metrics} page (cumulative bucket counts by
 * upper bound, count and sum), the difference of two readings, and quantiles estimated the way
 * PromQL's {@code histogram_quantile} does: linear interpolation inside the bucket the rank falls in.
 */
record PromHistogram(TreeMap<Double, Double> buckets, double count, double sum) {

    /** The histogram {@code name} on the page; empty (all zero) when the page does not have it yet. */
    static PromHistogram parse(String page, String name) {
        TreeMap<Double, Double> buckets = new TreeMap<>();
        double count = 0;
        double sum = 0;
        Pattern bucket = Pattern.compile("^" + Pattern.quote(name) + "_bucket\\{(?:[^}]*,)?le=\"([^\"]+)\"[^}]*\\}\\s+(\\S+)");
        for (String line : page.split("\n")) {
            if (line.startsWith("#")) {
                continue;
            }
            Matcher m = bucket.matcher(line);
            if (m.find()) {
                double le = m.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(1));
                buckets.merge(le, Double.parseDouble(m.group(2)), Double::sum);
            } else if (line.startsWith(name + "_count")) {
                count += value(line);
            } else if (line.startsWith(name + "_sum")) {
                sum += value(line);
            }
        }
        return new PromHistogram(buckets, count, sum);
    }

    private static double value(String line) {
        String[] f = line.trim().split("\\s+");
        return Double.parseDouble(f[f.length - 1]);
    }

    /** What was recorded between {@code earlier} and this reading. */
    PromHistogram minus(PromHistogram earlier) {
        TreeMap<Double, Double> b = new TreeMap<>();
        buckets.forEach((le, n) -> b.put(le, n - earlier.buckets.getOrDefault(le, 0.0)));
        return new PromHistogram(b, count - earlier.count, sum - earlier.sum);
    }

    double mean() {
        return count == 0 ? Double.NaN : sum / count;
    }

    /** The {@code q}-quantile (0 < q < 1), or NaN when nothing was recorded; at most the largest finite bound. */
    double quantile(double q) {
        if (count <= 0 || buckets.isEmpty()) {
            return Double.NaN;
        }
        double rank = q * count;
        double lowerBound = 0;
        double lowerCount = 0;
        List<Map.Entry<Double, Double>> entries = new ArrayList<>(buckets.entrySet());
        for (Map.Entry<Double, Double> e : entries) {
            if (e.getValue() >= rank) {
                if (e.getKey().isInfinite()) {
                    return lowerBound;
                }
                double inBucket = e.getValue() - lowerCount;
                return inBucket <= 0 ? e.getKey() : lowerBound + (e.getKey() - lowerBound) * (rank - lowerCount) / inBucket;
            }
            lowerBound = e.getKey();
            lowerCount = e.getValue();
        }
        return lowerBound;
    }
}
