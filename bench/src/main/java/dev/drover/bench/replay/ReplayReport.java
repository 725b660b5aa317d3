package dev.drover.bench.replay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Renders a {@link ReplayResult} as an aligned text table or as one JSON object. */
public final class ReplayReport {
    static final List<String> FIELDS = List.of("jobs", "avg_jct_s", "avg_queue_s", "p99_queue_s", "max_queue_s", "makespan_s",
            "gpu_utilization", "scheduler_cpu_s");

    private static final ObjectMapper JSON = new ObjectMapper();

    private ReplayReport() {
    }

    /** {@code {"overall": {...}, "queues": {"<queue>": {...}}}} with exactly the fields of {@link #FIELDS}. */
    public static String json(ReplayResult result) {
        ObjectNode root = JSON.createObjectNode();
        root.set("overall", statsNode(result.overall()));
        ObjectNode queues = root.putObject("queues");
        for (Map.Entry<String, ReplayStats> queue : result.queues().entrySet()) {
            queues.set(queue.getKey(), statsNode(queue.getValue()));
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the replay result as JSON", e);
        }
    }

    /** One row per queue and an "overall" row, columns aligned. */
    public static String table(ReplayResult result) {
        List<String[]> rows = new ArrayList<>();
        List<String> header = new ArrayList<>();
        header.add("queue");
        header.addAll(FIELDS);
        rows.add(header.toArray(String[]::new));
        for (Map.Entry<String, ReplayStats> queue : result.queues().entrySet()) {
            rows.add(row(queue.getKey(), queue.getValue()));
        }
        rows.add(row("overall", result.overall()));
        int[] width = new int[header.size()];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                // Names left-aligned, numbers right-aligned so their digits line up.
                String cell = i == 0 ? String.format("%-" + width[i] + "s", row[i]) : String.format("%" + width[i] + "s", row[i]);
                out.append(i == 0 ? "" : "  ").append(cell);
            }
            out.append('\n');
        }
        return out.toString();
    }

    private static String[] row(String name, ReplayStats s) {
        return new String[] {name, Long.toString(s.jobs()), fixed(s.avgJctS(), 1), fixed(s.avgQueueS(), 1),
                fixed(s.p99QueueS(), 0), fixed(s.maxQueueS(), 0), fixed(s.makespanS(), 0), fixed(s.gpuUtilization(), 4),
                fixed(s.schedulerCpuS(), 3)};
    }

    private static String fixed(double value, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    private static ObjectNode statsNode(ReplayStats s) {
        ObjectNode node = JSON.createObjectNode();
        node.put("jobs", s.jobs());
        node.put("avg_jct_s", round(s.avgJctS(), 3));
        node.put("avg_queue_s", round(s.avgQueueS(), 3));
        node.put("p99_queue_s", round(s.p99QueueS(), 3));
        node.put("max_queue_s", round(s.maxQueueS(), 3));
        node.put("makespan_s", round(s.makespanS(), 3));
        node.put("gpu_utilization", round(s.gpuUtilization(), 6));
        node.put("scheduler_cpu_s", round(s.schedulerCpuS(), 6));
        return node;
    }

    private static double round(double value, int decimals) {
        double scale = Math.pow(10, decimals);
        return Math.round(value * scale) / scale;
    }
}
