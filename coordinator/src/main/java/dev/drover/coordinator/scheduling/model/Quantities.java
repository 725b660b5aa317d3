package dev.drover.coordinator.scheduling.model;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Formats resource amounts the same way in every human-readable reason. */
public final class Quantities {
    private static final long GIB = 1024L * 1024 * 1024;

    private Quantities() {
    }

    /** "1 node" or "3 nodes". */
    public static String nodes(long count) {
        return count + (count == 1 ? " node" : " nodes");
    }

    /** "1 GPU" or "8 GPUs". */
    public static String gpus(long count) {
        return count + (count == 1 ? " GPU" : " GPUs");
    }

    /** "0.5 CPUs", "1 CPU", "12 CPUs". */
    public static String cpus(double count) {
        return plain(count) + (count == 1.0 ? " CPU" : " CPUs");
    }

    /** Memory in GiB with at most two decimals, e.g. "12 GiB", "0.5 GiB". */
    public static String memory(long bytes) {
        return plain((double) bytes / GIB) + " GiB";
    }

    private static String plain(double value) {
        return BigDecimal.valueOf(value).setScale(2, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    }
}
