package dev.drover.bench.slurm;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Slurm configuration that {@code shared/bench/slurm/setup.sh} can start, as its README documents
 * them: the stock settings, the High Throughput Computing guide's settings, and the guide's settings
 * with the scheduler woken at once ({@code tunedB}).
 *
 * @param name how the tables call it
 * @param env what {@code setup.sh} is given
 */
public record SlurmProfile(String name, Map<String, String> env) {

    /** The guide's settings with {@code batch_sched_delay=0} and {@code sched_min_interval=0.1s} (README: "To reproduce tunedB"). */
    static final String TUNED_B_PARAMS = "batch_sched_delay=0,bf_continue,bf_interval=300,bf_min_age_reserve=10800,bf_resolution=600,"
            + "bf_yield_interval=1000000,partition_job_depth=500,sched_max_job_start=200,sched_min_interval=100000";

    public static final List<String> NAMES = List.of("default", "tuned", "tunedB");

    public SlurmProfile {
        env = Map.copyOf(env);
    }

    /** The profile called {@code name} (one of {@link #NAMES}). */
    public static SlurmProfile named(String name) {
        Map<String, String> env = new LinkedHashMap<>();
        switch (name) {
            case "default" -> env.put("PROFILE", "default");
            case "tuned" -> env.put("PROFILE", "tuned");
            case "tunedB" -> {
                env.put("PROFILE", "tuned");
                env.put("VARIANT", "tunedB");
                env.put("SCHED_PARAMS", TUNED_B_PARAMS);
            }
            default -> throw new IllegalArgumentException("unknown Slurm profile '" + name + "'; use one of " + String.join(", ", NAMES));
        }
        return new SlurmProfile(name, env);
    }
}
