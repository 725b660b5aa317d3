package dev.drover.agent.fleet;

import dev.drover.agent.OptionValues;
import dev.drover.agent.AgentMain;
import dev.drover.agent.AgentSettings;
import dev.drover.agent.faults.FaultInjectionSettings;
import dev.drover.agent.gpu.GpuBackends;
import dev.drover.agent.gpu.SimulatedBackend;
import dev.drover.agent.health.HealthPolicy;
import dev.drover.agent.link.CoordinatorEndpoints;
import dev.drover.protocol.spec.Durations;
import dev.drover.protocol.tls.TlsTrust;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code drover agent fleet}: many agents with simulated GPUs in this one JVM, for benchmarks and
 * scale tests (see {@link Fleet}). Separate agent processes remain the way to run real nodes.
 */
@Command(
    name = "fleet",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "BENCHMARKS ONLY: run COUNT agents with simulated GPUs in one JVM, each with its own connection, "
        + "node name (PREFIX1..PREFIXCOUNT), work dir (DIR/NAME) and real replica processes.")
public final class FleetCommand implements Callable<Integer> {
  static final int MAX_COUNT = 10_000;
  static final int MAX_LANES = 256;
  private static final Pattern PORT_RANGE = Pattern.compile("^(\\d{1,5})-(\\d{1,5})$");
  private static final Duration MAX_STAGGER = Duration.ofSeconds(10);

  @Spec CommandSpec spec;

  @Option(names = "--count", required = true, paramLabel = "N", description = "Agents to run, 1 to " + MAX_COUNT + ".")
  int count;

  @Option(names = "--gpus", paramLabel = "N", description = "Simulated GPUs per agent, 0 to 1024 (default: ${DEFAULT-VALUE}).")
  int gpus = 8;

  @Option(names = "--name-prefix", paramLabel = "PREFIX", description = "Node names are PREFIX1 .. PREFIXN (default: ${DEFAULT-VALUE}).")
  String namePrefix = "fleet-";

  @Option(names = "--coordinator", split = ",", paramLabel = "URL", required = true,
      description = "Coordinator URL(s), as for a single agent.")
  List<String> coordinators = new ArrayList<>();

  @Option(names = "--ca-cert", paramLabel = "FILE",
      description = "PEM file of the CA certificate(s) wss:// coordinators are verified against (or env "
          + OptionValues.CA_CERT_ENV + "), as for a single agent.")
  Path caCert;

  @Option(names = "--join-token", description = "Join token (or env DROVER_JOIN_TOKEN).")
  String joinToken;

  @Option(names = "--join-token-file", paramLabel = "FILE", description = "File holding the join token.")
  Path joinTokenFile;

  @Option(names = "--work-dir", paramLabel = "DIR", description = "Agent i's state, logs and replica output go to DIR/NAME; "
      + "fleet.log to DIR (default: ~/.drover/fleet).")
  Path workDir;

  @Option(names = "--stagger", paramLabel = "DURATION",
      description = "Pause between two agents' starts, 0 to 10s (default: ${DEFAULT-VALUE}).")
  String stagger = "20ms";

  @Option(names = "--lanes", paramLabel = "N", description = "Threads the agents' links share (and as many for health "
      + "monitors), 1 to " + MAX_LANES + " (default: 2 x available processors, at least 4).")
  Integer lanes;

  @Option(names = "--coordinator-silence-timeout", paramLabel = "DURATION",
      description = "As for a single agent, 1s to 10m (default: ${DEFAULT-VALUE}).")
  String coordinatorSilenceTimeout = "3s";

  @Option(names = "--health-interval", paramLabel = "DURATION",
      description = "How often each agent reads its GPUs' health, 100ms to 10m (default: ${DEFAULT-VALUE}).")
  String healthInterval = "5s";

  @Option(names = "--gpu-model", paramLabel = "NAME", description = "Model of the simulated GPUs (default: ${DEFAULT-VALUE}).")
  String gpuModel = SimulatedBackend.DEFAULT_MODEL;

  @Option(names = "--gpu-memory", paramLabel = "BYTES", description = "Memory of each simulated GPU (default: ${DEFAULT-VALUE}).")
  String gpuMemory = "80Gi";

  @Option(names = "--label", paramLabel = "KEY=VALUE", description = "Label of every fleet node; repeatable.")
  List<String> labels = new ArrayList<>();

  @Option(names = "--address", description = "Address every fleet node reports (default: ${DEFAULT-VALUE}).")
  String address = "127.0.0.1";

  @Option(names = "--cpus", description = "CPUs each node advertises (default: ${DEFAULT-VALUE}).")
  int cpus = 64;

  @Option(names = "--memory", paramLabel = "BYTES", description = "Memory each node advertises (default: ${DEFAULT-VALUE}).")
  String memory = "512Gi";

  @Option(names = "--port-range", paramLabel = "FROM-TO", description = "Ports lent to rank-0 replicas of each node; the "
      + "nodes share this host, so jobs that bind MASTER_PORT can collide (default: ${DEFAULT-VALUE}).")
  String portRange = "29500-29999";

  @Option(names = "--log-max-bytes", paramLabel = "BYTES", description = "Cap of each replica's log (default: ${DEFAULT-VALUE}).")
  String logMaxBytes = "1Mi";

  /** Validated settings of every agent, in start order, plus what the fleet itself needs. */
  record Plan(List<AgentSettings> agents, int lanes, Duration stagger, Path workDir) {}

  @Override
  public Integer call() throws Exception {
    Plan plan = plan();
    Files.createDirectories(plan.workDir());
    System.setProperty(AgentMain.LOG_FILE_PROPERTY, plan.workDir().resolve("fleet.log").toString());
    Logger log = LoggerFactory.getLogger(FleetCommand.class);
    log.info("Fleet: starting {} agents x {} simulated GPUs ({} .. {}), {} apart, work dir {}", count, gpus,
        plan.agents().get(0).nodeName(), plan.agents().get(count - 1).nodeName(), Durations.format(plan.stagger()),
        plan.workDir());
    Fleet fleet;
    try {
      fleet = Fleet.start(plan.agents(), plan.lanes(), plan.stagger());
    } catch (IOException e) {
      log.error("Fleet: could not start: {}", e.getMessage());
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(fleet::close, "fleet-shutdown-hook"));
    String reason = fleet.fatal().get();
    log.error("Fleet: exiting: {}", reason);
    fleet.close();
    return 1;
  }

  /** Checks every option and builds the agents' settings; a bad option is a usage error naming it. */
  Plan plan() {
    if (count < 1 || count > MAX_COUNT) {
      throw usage("--count must be between 1 and " + MAX_COUNT + ", got " + count);
    }
    if (gpus < 0 || gpus > 1024) {
      throw usage("--gpus must be between 0 and 1024, got " + gpus);
    }
    String first = namePrefix + 1;
    String last = namePrefix + count;
    if (!AgentMain.NODE_NAME.matcher(first).matches() || !AgentMain.NODE_NAME.matcher(last).matches()) {
      throw usage("invalid --name-prefix '" + namePrefix + "': node names (" + first + " .. " + last
          + ") must be 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
    int laneCount = lanes != null ? lanes : Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
    if (laneCount < 1 || laneCount > MAX_LANES) {
      throw usage("--lanes must be between 1 and " + MAX_LANES + ", got " + laneCount);
    }
    Duration pause = duration("--stagger", stagger, Duration.ZERO, MAX_STAGGER);
    Duration silence = duration("--coordinator-silence-timeout", coordinatorSilenceTimeout, Duration.ofSeconds(1), Duration.ofMinutes(10));
    Duration healthEvery = duration("--health-interval", healthInterval, Duration.ofMillis(100), Duration.ofMinutes(10));
    long gpuMemoryBytes = bytes("--gpu-memory", gpuMemory);
    long memoryBytes = bytes("--memory", memory);
    long logBytes = bytes("--log-max-bytes", logMaxBytes);
    if (logBytes < 2 * 1024) {
      throw usage("--log-max-bytes must be at least 2Ki");
    }
    if (cpus < 1) {
      throw usage("--cpus must be at least 1, got " + cpus);
    }
    Matcher pr = PORT_RANGE.matcher(portRange);
    if (!pr.matches()) {
      throw usage("invalid --port-range '" + portRange + "': expected FROM-TO, e.g. 29500-29999");
    }
    int portFrom = Integer.parseInt(pr.group(1));
    int portTo = Integer.parseInt(pr.group(2));
    if (portFrom < 1 || portTo > 65535 || portFrom > portTo) {
      throw usage("invalid --port-range '" + portRange + "': ports must be 1-65535 and FROM <= TO");
    }
    Map<String, String> labelMap = new LinkedHashMap<>();
    for (String l : labels) {
      int eq = l.indexOf('=');
      if (eq <= 0) {
        throw usage("invalid --label '" + l + "': expected KEY=VALUE");
      }
      labelMap.put(l.substring(0, eq), l.substring(eq + 1));
    }
    if (address.isBlank()) {
      throw usage("--address must not be empty");
    }
    List<URI> endpoints;
    try {
      endpoints = CoordinatorEndpoints.parse(String.join(",", coordinators));
    } catch (IllegalArgumentException e) {
      throw usage(e.getMessage());
    }
    TlsTrust trust = OptionValues.caCert(spec, caCert, endpoints);
    String token = token();
    Path dir = (workDir != null ? workDir : Path.of(System.getProperty("user.home"), ".drover", "fleet")).toAbsolutePath();
    List<AgentSettings> agents = new ArrayList<>(count);
    for (int i = 1; i <= count; i++) {
      String name = namePrefix + i;
      GpuBackends.Choice choice = new GpuBackends.Choice(name, gpus, gpuModel, gpuMemoryBytes, null, false);
      agents.add(new AgentSettings(name, endpoints, silence, token, dir.resolve(name), choice, labelMap, portFrom, portTo,
          address, cpus, memoryBytes, logBytes, false, HealthPolicy.defaults(), healthEvery, FaultInjectionSettings.OFF,
          trust));
    }
    return new Plan(List.copyOf(agents), laneCount, pause, dir);
  }

  private String token() {
    return OptionValues.joinToken(spec, joinToken, joinTokenFile);
  }

  private Duration duration(String option, String value, Duration min, Duration max) {
    return OptionValues.duration(spec, option, value, min, max);
  }

  private long bytes(String option, String value) {
    return OptionValues.bytes(spec, option, value);
  }

  private CommandLine.ParameterException usage(String message) {
    return OptionValues.usage(spec, message);
  }
}
