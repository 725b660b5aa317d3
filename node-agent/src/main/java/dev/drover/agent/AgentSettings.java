package dev.drover.agent;

import dev.drover.agent.faults.FaultInjectionSettings;
import dev.drover.agent.gpu.GpuBackends;
import dev.drover.agent.health.HealthPolicy;
import dev.drover.protocol.tls.TlsTrust;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Everything an agent run needs, validated from the command line.
 *
 * @param coordinatorSilenceTimeout a coordinator link silent this long is dropped for the next address
 * @param keepReplicasOnExit when false (the default) a clean agent shutdown stops its replicas
 * @param healthPolicy how readings map to GPU health ({@code --health-policy})
 * @param healthInterval how often GPU health is read ({@code --health-interval}); events act at once
 * @param faultInjection the test-only fault-injection endpoint (simulated GPUs only)
 * @param trust the CAs trusted for wss:// coordinators ({@code --ca-cert}, else the JVM's trust store)
 */
public record AgentSettings(
    String nodeName,
    List<URI> coordinators,
    Duration coordinatorSilenceTimeout,
    String joinToken,
    Path workDir,
    GpuBackends.Choice gpus,
    Map<String, String> labels,
    int portRangeStart,
    int portRangeEnd,
    String address,
    int cpus,
    long memoryBytes,
    long logMaxBytes,
    boolean keepReplicasOnExit,
    HealthPolicy healthPolicy,
    Duration healthInterval,
    FaultInjectionSettings faultInjection,
    TlsTrust trust) {

  public static final Duration DEFAULT_HEALTH_INTERVAL = Duration.ofSeconds(5);

  /** Settings with the default health policy and interval, fault injection off and the JVM's trust store. */
  public AgentSettings(String nodeName, List<URI> coordinators, Duration coordinatorSilenceTimeout, String joinToken,
      Path workDir, GpuBackends.Choice gpus, Map<String, String> labels, int portRangeStart, int portRangeEnd,
      String address, int cpus, long memoryBytes, long logMaxBytes, boolean keepReplicasOnExit) {
    this(nodeName, coordinators, coordinatorSilenceTimeout, joinToken, workDir, gpus, labels, portRangeStart, portRangeEnd,
        address, cpus, memoryBytes, logMaxBytes, keepReplicasOnExit, HealthPolicy.defaults(), DEFAULT_HEALTH_INTERVAL,
        FaultInjectionSettings.OFF, TlsTrust.jvmDefault());
  }

  /** The same settings with fault injection as given (tests). */
  public AgentSettings withFaultInjection(FaultInjectionSettings f) {
    return new AgentSettings(nodeName, coordinators, coordinatorSilenceTimeout, joinToken, workDir, gpus, labels,
        portRangeStart, portRangeEnd, address, cpus, memoryBytes, logMaxBytes, keepReplicasOnExit, healthPolicy,
        healthInterval, f, trust);
  }

  /** The same settings with another health interval (tests). */
  public AgentSettings withHealthInterval(Duration interval) {
    return new AgentSettings(nodeName, coordinators, coordinatorSilenceTimeout, joinToken, workDir, gpus, labels,
        portRangeStart, portRangeEnd, address, cpus, memoryBytes, logMaxBytes, keepReplicasOnExit, healthPolicy,
        interval, faultInjection, trust);
  }

  /** The same settings trusting these CAs for wss:// (tests). */
  public AgentSettings withTrust(TlsTrust t) {
    return new AgentSettings(nodeName, coordinators, coordinatorSilenceTimeout, joinToken, workDir, gpus, labels,
        portRangeStart, portRangeEnd, address, cpus, memoryBytes, logMaxBytes, keepReplicasOnExit, healthPolicy,
        healthInterval, faultInjection, t);
  }
}
