package dev.drover.bench.slurm;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One loopback Slurm cluster run by the scripts in {@code shared/bench/slurm}: {@code setup.sh}
 * starts it with a profile, {@code bench.sh} measures it, and {@link #close()} runs {@code stop.sh},
 * which stops exactly the daemons whose pid files {@code setup.sh} wrote (also after a failed setup,
 * which leaves its daemons running).
 */
public final class SlurmCluster implements AutoCloseable {
    private final Path scripts;
    private final Path base;
    private final PrintStream log;
    private boolean stopped;

    private SlurmCluster(Path scripts, Path base, PrintStream log) {
        this.scripts = scripts;
        this.base = base;
        this.log = log;
    }

    /** A cluster that is not started yet; {@link #setUp} starts it. Register it for clean-up before that. */
    public static SlurmCluster at(Path scripts, Path base, PrintStream log) {
        for (String s : List.of("setup.sh", "bench.sh", "stop.sh")) {
            if (!Files.isRegularFile(scripts.resolve(s))) {
                throw new IllegalArgumentException("no " + s + " in " + scripts + " (--slurm-scripts)");
            }
        }
        return new SlurmCluster(scripts, base, log);
    }

    /** Runs setup.sh with the profile (it installs slurm-wlm and munge with apt-get when they are missing). */
    public void setUp(SlurmProfile profile, int nodes) throws IOException, InterruptedException {
        Map<String, String> env = new java.util.LinkedHashMap<>(profile.env());
        env.put("NODES", String.valueOf(nodes));
        stopped = false;
        int rc = run("setup.sh", env, line -> { });
        if (rc != 0) {
            throw new IllegalStateException("setup.sh (profile " + profile.name() + ") failed with exit code " + rc + "; its log is above");
        }
    }

    /** Runs bench.sh and returns what its RESULT lines say; its raw data and sdiag dumps go to {@code out}. */
    public SlurmResults measure(String profile, String tests, int jobs, int gangs, int latencySamples, Path out)
            throws IOException, InterruptedException {
        SlurmResults results = new SlurmResults(profile);
        Map<String, String> env = new java.util.LinkedHashMap<>();
        env.put("TESTS", tests);
        env.put("N", String.valueOf(jobs));
        env.put("NGANG", String.valueOf(gangs));
        env.put("NLAT", String.valueOf(latencySamples));
        env.put("OUT", out.toString());
        env.put("LABEL", "profile=" + profile);
        int rc = run("bench.sh", env, results::accept);
        if (rc != 0) {
            throw new IllegalStateException("bench.sh (profile " + profile + ") failed with exit code " + rc);
        }
        return results;
    }

    private int run(String script, Map<String, String> env, Consumer<String> lines) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bash", scripts.resolve(script).toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(scripts.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        pb.environment().put("BASE", base.toString());
        Process p = pb.start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                log.println("  slurm| " + line);
                lines.accept(line);
            }
        } finally {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        return p.exitValue();
    }

    /** Runs stop.sh (it cancels leftover jobs and stops slurmd, slurmctld and munged by their pid files); safe to repeat. */
    @Override
    public synchronized void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        try {
            int rc = run("stop.sh", Map.of(), line -> { });
            if (rc != 0) {
                log.println("drover bench slurm: stop.sh exited with " + rc);
            }
        } catch (IOException e) {
            log.println("drover bench slurm: stop.sh failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "Slurm under " + base;
    }
}
