package dev.drover.bench.replay;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads the trace and capacity CSV files of {@code shared/traces} by their header names, so a column
 * added or moved later does not silently shift the data.
 */
public final class TraceFiles {
    /** Rows are numbered in the low 20 bits of the core's submit sequence (see {@link Policy}). */
    static final long MAX_ROWS = 1L << 20;

    private TraceFiles() {
    }

    /** Jobs of a trace with columns {@code job_id,submit_time_s,duration_s,num_gpus,...,user_or_queue}, in file order. */
    public static List<TraceJob> readJobs(Path file) {
        List<TraceJob> jobs = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            Header header = Header.of(file, in.readLine());
            int id = header.column("job_id");
            int submit = header.column("submit_time_s");
            int duration = header.column("duration_s");
            int gpus = header.column("num_gpus");
            int queue = header.column("user_or_queue");
            String line;
            long lineNo = 1;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split(",", -1);
                try {
                    jobs.add(new TraceJob(f[id], jobs.size(), Long.parseLong(f[submit].trim()),
                            Long.parseLong(f[duration].trim()), Integer.parseInt(f[gpus].trim()), f[queue].trim()));
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException(file + ":" + lineNo + ": " + e.getMessage(), e);
                }
                if (jobs.size() >= MAX_ROWS) {
                    throw new IllegalArgumentException(file + ": more than " + MAX_ROWS + " jobs; split the trace");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return jobs;
    }

    /** Queue sizes from a file with columns {@code queue,nodes,gpus_per_node[,gpus]}, in file order. */
    public static List<QueueCapacity> readCapacities(Path file) {
        List<QueueCapacity> queues = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            Header header = Header.of(file, in.readLine());
            int queue = header.column("queue");
            int nodes = header.column("nodes");
            int gpusPerNode = header.column("gpus_per_node");
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split(",", -1);
                QueueCapacity capacity = new QueueCapacity(f[queue].trim(), Integer.parseInt(f[nodes].trim()),
                        Integer.parseInt(f[gpusPerNode].trim()));
                if (queues.stream().anyMatch(q -> q.queue().equals(capacity.queue()))) {
                    throw new IllegalArgumentException(file + ": queue " + capacity.queue() + " is listed twice");
                }
                queues.add(capacity);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return queues;
    }

    private record Header(Path file, List<String> names) {
        static Header of(Path file, String line) {
            if (line == null) {
                throw new IllegalArgumentException(file + " is empty");
            }
            return new Header(file, Arrays.stream(line.split(",", -1)).map(String::trim).toList());
        }

        int column(String name) {
            int index = names.indexOf(name);
            if (index < 0) {
                throw new IllegalArgumentException(file + " has no column '" + name + "' (header: " + String.join(",", names) + ")");
            }
            return index;
        }
    }
}
