package dev.drover.agent;

import dev.drover.agent.gpu.GpuBackends;
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
    boolean keepReplicasOnExit) {}
