package dev.drover.protocol.spec;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Job spec v1: what a user submits. One schema for YAML and JSON; see docs/job-spec.md.
 *
 * <p>Fields are nullable as written by the user; {@link JobSpecs#normalize} fills the defaults so
 * a stored spec is always complete.
 */
@JsonPropertyOrder({
  "apiVersion", "name", "queue", "priority", "replicas", "resources", "command", "args", "env",
  "workingDir", "maxRuntime", "restartPolicy", "terminationGracePeriod", "priorityClass", "preemptible", "placement", "stopSignal"
})
public record JobSpec(
    String apiVersion,
    String name,
    String queue,
    Integer priority,
    Integer replicas,
    Resources resources,
    List<String> command,
    List<String> args,
    Map<String, String> env,
    String workingDir,
    String maxRuntime,
    RestartPolicy restartPolicy,
    String terminationGracePeriod,
    String priorityClass,
    Boolean preemptible,
    PlacementSpec placement,
    String stopSignal) {

  public static final String API_VERSION = "drover/v1";

  /** GPUs the whole gang needs. */
  public int totalGpus() {
    return replicas * resources.gpus();
  }

  public Optional<Duration> maxRuntimeDuration() {
    return maxRuntime == null ? Optional.empty() : Optional.of(Durations.parse(maxRuntime));
  }

  public Duration gracePeriod() {
    return Durations.parse(terminationGracePeriod);
  }
}
