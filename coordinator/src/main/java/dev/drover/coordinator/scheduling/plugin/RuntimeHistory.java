package dev.drover.coordinator.scheduling.plugin;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Runtime estimates learned from finished jobs, for {@link ExpectedRuntimeJobOrder}: the median of the last
 * {@code window} runtimes of jobs like this one, where "like" is, from most to least specific, the same queue, GPU
 * bucket and job name; the same queue and GPU bucket; the same queue; any job. The first of these with at least
 * {@code minSamples} runs answers. A median of recent runs, because runtimes are heavy-tailed (one week-long job must
 * not make every job of its kind look long) and drift as a team's work changes. Not thread-safe; owned by the
 * scheduler, fed only with runs that have finished.
 */
public final class RuntimeHistory {
    public static final int DEFAULT_WINDOW = 50;
    public static final int DEFAULT_MIN_SAMPLES = 3;
    /** Named kinds kept at most; job names can be unique per job, so the least recently used go first. */
    static final int MAX_NAMED_KINDS = 10_000;

    private final int window;
    private final int minSamples;
    private final Map<String, Runs> byName = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Runs> eldest) {
            return size() > MAX_NAMED_KINDS;
        }
    };
    private final Map<String, Runs> byShape = new HashMap<>();
    private final Map<String, Runs> byQueue = new HashMap<>();
    private final Runs all;

    public RuntimeHistory() {
        this(DEFAULT_WINDOW, DEFAULT_MIN_SAMPLES);
    }

    public RuntimeHistory(int window, int minSamples) {
        if (window < 1 || minSamples < 1 || minSamples > window) {
            throw new IllegalArgumentException("need 1 <= minSamples <= window: " + minSamples + ", " + window);
        }
        this.window = window;
        this.minSamples = minSamples;
        this.all = new Runs(window);
    }

    /** The GPU bucket a job of {@code gpus} GPUs in total falls in: 1, 2-4, 5-8, 9-16, 17-64, more than 64. */
    public static String gpuBucket(long gpus) {
        if (gpus <= 1) {
            return gpus <= 0 ? "0" : "1";
        }
        if (gpus <= 4) {
            return "2-4";
        }
        if (gpus <= 8) {
            return "5-8";
        }
        if (gpus <= 16) {
            return "9-16";
        }
        return gpus <= 64 ? "17-64" : ">64";
    }

    /** Learns one finished run; {@code name} may be null. */
    public void record(String queue, long gpus, String name, Duration runtime) {
        Objects.requireNonNull(queue, "queue");
        if (runtime.isNegative()) {
            throw new IllegalArgumentException("negative runtime: " + runtime);
        }
        long millis = runtime.toMillis();
        String shape = shapeKey(queue, gpus);
        if (name != null) {
            byName.computeIfAbsent(shape + '\u0000' + name, k -> new Runs(window)).add(millis);
        }
        byShape.computeIfAbsent(shape, k -> new Runs(window)).add(millis);
        byQueue.computeIfAbsent(queue, k -> new Runs(window)).add(millis);
        all.add(millis);
    }

    /** The runtime to expect of such a job, or empty while fewer than {@code minSamples} runs have finished at all. */
    public Optional<Duration> estimate(String queue, long gpus, String name) {
        String shape = shapeKey(queue, gpus);
        Runs[] levels = {name == null ? null : byName.get(shape + '\u0000' + name), byShape.get(shape), byQueue.get(queue), all};
        for (Runs runs : levels) {
            if (runs != null && runs.size() >= minSamples) {
                return Optional.of(Duration.ofMillis(runs.median()));
            }
        }
        return Optional.empty();
    }

    private static String shapeKey(String queue, long gpus) {
        return queue + '\u0000' + gpuBucket(gpus);
    }

    /** The last {@code window} runtimes of one kind of job, in a ring, with the median cached until the next run. */
    private static final class Runs {
        private final long[] ring;
        private int size;
        private int next;
        private long median = -1;

        Runs(int window) {
            ring = new long[window];
        }

        void add(long millis) {
            ring[next] = millis;
            next = (next + 1) % ring.length;
            size = Math.min(size + 1, ring.length);
            median = -1;
        }

        int size() {
            return size;
        }

        /** The lower median, so that it is always a runtime that was observed. */
        long median() {
            if (median < 0) {
                long[] sorted = Arrays.copyOf(ring, size);
                Arrays.sort(sorted);
                median = sorted[(size - 1) / 2];
            }
            return median;
        }
    }
}
