package dev.drover.bench.load;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What one load run does: {@code jobs} submissions of the same small job, sent by {@code clients}
 * threads as fast as the coordinators accept them, round-robin over {@code coordinators}; then it
 * waits (at most {@code runningTimeout}) until every accepted job has run.
 *
 * @param coordinators API base URLs, e.g. {@code http://127.0.0.1:8080}
 * @param token bearer token of the submitting user
 * @param warmup jobs submitted and awaited before the measured ones, not counted
 * @param replicas replicas per job (a gang)
 * @param gpus GPUs per replica
 * @param command the replicas' command
 * @param marker put into every replica's environment as {@code BENCH_RUN_MARKER}, so whoever started the cluster can find
 *     leftover replica processes; null for none
 */
public record LoadSettings(List<URI> coordinators, String token, int clients, int jobs, int warmup, int replicas, int gpus,
                           List<String> command, Duration runningTimeout, String marker) {

    public LoadSettings {
        coordinators = List.copyOf(coordinators);
        command = List.copyOf(command);
    }

    /** The defaults of {@code drover bench load}: 4 clients, 500 one-GPU jobs running {@code true}. */
    public static LoadSettings defaults(List<URI> coordinators, String token) {
        return new LoadSettings(coordinators, token, 4, 500, 0, 1, 1, List.of("true"), Duration.ofMinutes(5), null);
    }

    public LoadSettings withClients(int n) {
        return new LoadSettings(coordinators, token, n, jobs, warmup, replicas, gpus, command, runningTimeout, marker);
    }

    public LoadSettings withJobs(int n) {
        return new LoadSettings(coordinators, token, clients, n, warmup, replicas, gpus, command, runningTimeout, marker);
    }

    public LoadSettings withWarmup(int n) {
        return new LoadSettings(coordinators, token, clients, jobs, n, replicas, gpus, command, runningTimeout, marker);
    }

    public LoadSettings withShape(int replicasPerJob, int gpusPerReplica) {
        return new LoadSettings(coordinators, token, clients, jobs, warmup, replicasPerJob, gpusPerReplica, command, runningTimeout, marker);
    }

    public LoadSettings withRunningTimeout(Duration d) {
        return new LoadSettings(coordinators, token, clients, jobs, warmup, replicas, gpus, command, d, marker);
    }

    public LoadSettings withMarker(String m) {
        return new LoadSettings(coordinators, token, clients, jobs, warmup, replicas, gpus, command, runningTimeout, m);
    }

    /** Everything wrong with these settings, as option-level messages; empty when they are usable. */
    public List<String> problems() {
        List<String> out = new ArrayList<>();
        if (coordinators.isEmpty()) {
            out.add("--url: give at least one coordinator URL");
        }
        for (URI u : coordinators) {
            if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https")) || u.getHost() == null) {
                out.add("--url: '" + u + "' is not an http(s)://HOST[:PORT] URL");
            }
        }
        if (token == null || token.isBlank()) {
            out.add("--token or --token-file: an API token is needed");
        }
        if (clients < 1 || clients > 256) {
            out.add("--clients must be from 1 to 256, got " + clients);
        }
        if (jobs < 1) {
            out.add("--jobs must be at least 1, got " + jobs);
        }
        if (warmup < 0) {
            out.add("--warmup must be 0 or more, got " + warmup);
        }
        if (replicas < 1) {
            out.add("--replicas must be at least 1, got " + replicas);
        }
        if (gpus < 0) {
            out.add("--gpus must be 0 or more, got " + gpus);
        }
        if (command.isEmpty()) {
            out.add("--command must not be empty");
        }
        if (runningTimeout.isNegative() || runningTimeout.isZero()) {
            out.add("--running-timeout must be positive, got " + runningTimeout);
        }
        return out;
    }

    /** The job spec of job {@code n} (YAML): named after the run and its number so it is easy to find. */
    String spec(String runId, int n) {
        StringBuilder b = new StringBuilder();
        b.append("name: load-").append(runId).append('-').append(n).append('\n');
        b.append("replicas: ").append(replicas).append('\n');
        b.append("resources: {gpus: ").append(gpus).append(", cpus: 1, memory: 256Mi}\n");
        b.append("command: [");
        for (int i = 0; i < command.size(); i++) {
            b.append(i == 0 ? "" : ", ").append('"').append(command.get(i).replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        b.append("]\n");
        if (marker != null) {
            b.append("env: {BENCH_RUN_MARKER: \"").append(marker).append("\"}\n");
        }
        return b.toString();
    }
}
