package dev.drover.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code drover bench load}: submissions per second and submit to running latency through the HTTP API of running coordinators. */
@Command(name = "bench load", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Submit N small jobs through the HTTP API as fast as the coordinators accept them; print accepted/s and the "
                + "latency of accept, submit->scheduled and submit->running.")
public final class LoadCommand implements Callable<Integer> {

    @Option(names = "--url", required = true, split = ",", paramLabel = "URL", description = "coordinator API URLs, round-robin")
    List<String> urls;

    @Option(names = "--token", description = "API token (or --token-file)")
    String token;

    @Option(names = "--token-file", paramLabel = "FILE", description = "the coordinator's tokens.json (its first admin token is used) or a file holding a token")
    Path tokenFile;

    @Option(names = "--clients", defaultValue = "4", description = "client threads (default: ${DEFAULT-VALUE})")
    int clients;

    @Option(names = "--jobs", defaultValue = "500", description = "measured jobs (default: ${DEFAULT-VALUE})")
    int jobs;

    @Option(names = "--warmup", defaultValue = "0", description = "jobs submitted and run before the measured ones, not counted (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--replicas", defaultValue = "1", description = "replicas per job (default: ${DEFAULT-VALUE})")
    int replicas;

    @Option(names = "--gpus", defaultValue = "1", description = "GPUs per replica (default: ${DEFAULT-VALUE})")
    int gpus;

    @Option(names = "--running-timeout", defaultValue = "300", description = "seconds to wait for every job to have run (default: ${DEFAULT-VALUE})")
    long runningTimeoutSeconds;

    @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table | json (default: ${DEFAULT-VALUE}; json adds every job)")
    String output;

    private final PrintStream out;
    private final PrintStream err;

    public LoadCommand() {
        this(System.out, System.err);
    }

    LoadCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new LoadCommand()).execute(args));
    }

    /** The settings these options give, or the reasons they are unusable. */
    LoadSettings settings(List<String> problems) {
        List<URI> coordinators = new ArrayList<>();
        for (String u : urls) {
            try {
                coordinators.add(URI.create(u.trim()));
            } catch (IllegalArgumentException e) {
                problems.add("--url: '" + u + "' is not a URL");
            }
        }
        String t = token;
        if (t != null && tokenFile != null) {
            problems.add("give --token or --token-file, not both");
        } else if (tokenFile != null) {
            try {
                t = readToken(tokenFile);
            } catch (IOException | IllegalArgumentException e) {
                problems.add("--token-file: " + e.getMessage());
            }
        }
        if (!output.equals("table") && !output.equals("json")) {
            problems.add("-o must be table or json, got '" + output + "'");
        }
        LoadSettings s = LoadSettings.defaults(coordinators, t).withClients(clients).withJobs(jobs).withWarmup(warmup)
                .withShape(replicas, gpus).withRunningTimeout(Duration.ofSeconds(runningTimeoutSeconds));
        problems.addAll(s.problems());
        return s;
    }

    /** A coordinator's tokens.json (its first admin token) or a file that holds just a token. */
    public static String readToken(Path file) throws IOException {
        String text = Files.readString(file).trim();
        if (!text.startsWith("{")) {
            if (text.isEmpty()) {
                throw new IllegalArgumentException(file + " is empty");
            }
            return text;
        }
        JsonNode tokens = new ObjectMapper().readTree(text).path("tokens");
        for (JsonNode t : tokens) {
            if ("admin".equals(t.path("role").asText())) {
                return t.path("token").asText();
            }
        }
        throw new IllegalArgumentException(file + " has no admin token");
    }

    @Override
    public Integer call() throws Exception {
        List<String> problems = new ArrayList<>();
        LoadSettings s = settings(problems);
        if (!problems.isEmpty()) {
            problems.forEach(p -> err.println("drover bench load: " + p));
            return 2;
        }
        LoadResult r = new LoadGenerator(s, err).run();
        out.print(output.equals("json") ? json(r) + "\n" : r.table());
        return r.accepted() == s.jobs() && r.ran() == s.jobs() ? 0 : 1;
    }

    /** The figures and every job, for tools that compare runs. */
    static String json(LoadResult r) throws IOException {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        ObjectNode figures = root.putObject("figures");
        r.figures().forEach((k, v) -> {
            if (Double.isNaN(v)) {
                figures.putNull(k);
            } else {
                figures.put(k, v);
            }
        });
        ArrayNode jobs = root.putArray("jobs");
        for (JobTiming j : r.jobs()) {
            ObjectNode o = jobs.addObject();
            o.put("n", j.n());
            o.put("id", j.id());
            o.put("coordinator", j.coordinator());
            o.put("submittedAt", j.submittedAt().toString());
            o.put("acceptMs", j.acceptMillis());
            o.put("attempts", j.attempts());
            o.put("error", j.error());
            o.put("scheduledAt", j.scheduledAt() == null ? null : j.scheduledAt().toString());
            o.put("runningAt", j.runningAt() == null ? null : j.runningAt().toString());
            o.put("state", j.state());
        }
        return m.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    }
}
