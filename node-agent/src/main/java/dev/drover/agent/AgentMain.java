package dev.drover.agent;

import dev.drover.agent.faults.FaultInjectionSettings;
import dev.drover.agent.faults.InjectCommand;
import dev.drover.agent.fleet.FleetCommand;
import dev.drover.agent.gpu.GpuBackend;
import dev.drover.agent.gpu.GpuBackends;
import dev.drover.agent.gpu.NvmlException;
import dev.drover.agent.gpu.SimulatedBackend;
import dev.drover.agent.health.HealthPolicy;
import dev.drover.agent.health.HealthPolicyFile;
import dev.drover.agent.health.InvalidHealthPolicyException;
import dev.drover.agent.host.HostFacts;
import dev.drover.agent.link.CoordinatorEndpoints;
import dev.drover.agent.metrics.MetricsSettings;
import dev.drover.protocol.ProtocolVersion;
import dev.drover.protocol.tls.TlsTrust;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
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
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code drover-node-agent}: runs on a GPU server, connects to the coordinators and runs the
 * replicas they assign. With {@code --probe} it needs no coordinator: it prints what the GPU
 * backend sees (and with {@code --run -- CMD...} runs one command on GPU 0) as JSON.
 *
 * <p>On SIGTERM or SIGINT the agent closes its link and, unless {@code --keep-replicas-on-exit} is
 * given, stops its replicas gracefully before exiting.
 *
 * <p>{@code inject} ({@link InjectCommand}) is a client of a running agent's test-only
 * fault-injection endpoint.
 */
@Command(
    name = "drover-node-agent",
    mixinStandardHelpOptions = true,
    subcommands = {InjectCommand.class, FleetCommand.class},
    versionProvider = AgentMain.Version.class,
    description = "Drover node agent: GPU inventory, replica processes, link to the coordinator.")
public final class AgentMain implements Callable<Integer> {
  public static final Pattern NODE_NAME = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$");
  private static final Pattern PORT_RANGE = Pattern.compile("^(\\d{1,5})-(\\d{1,5})$");
  private static final Duration MIN_SILENCE_TIMEOUT = Duration.ofSeconds(1);
  private static final Duration MAX_SILENCE_TIMEOUT = Duration.ofMinutes(10);
  private static final Duration MIN_HEALTH_INTERVAL = Duration.ofMillis(100);
  private static final Duration MAX_HEALTH_INTERVAL = Duration.ofMinutes(10);
  static final String FAULT_INJECTION_TOKEN_ENV = "DROVER_FAULT_INJECTION_TOKEN";
  /** Set before logback starts so that agent.log lands in the work dir. */
  public static final String LOG_FILE_PROPERTY = "drover.agent.log.file";

  @Spec CommandSpec spec;

  @Option(names = "--name", description = "Node name (default: host name).")
  String name;

  @Option(names = "--coordinator", split = ",", paramLabel = "URL",
      description = "Coordinator URL(s), ws(s):// or http(s)://, comma-separated or repeated. Tried in order from the "
          + "first; on loss the next one is tried within 250 ms, and the pause grows (up to 5 s) only after every URL "
          + "of a round failed.")
  List<String> coordinators = new ArrayList<>();

  @Option(names = "--coordinator-silence-timeout", paramLabel = "DURATION",
      description = "Drop a coordinator link on which nothing (not even a ping answer) arrived for this long, "
          + "and fail over to the next URL; also the limit of each connection attempt. 1s to 10m (default: ${DEFAULT-VALUE}).")
  String coordinatorSilenceTimeout = "3s";

  @Option(names = "--ca-cert", paramLabel = "FILE",
      description = "PEM file of the CA certificate(s) wss:// coordinators are verified against, instead of the JVM's "
          + "trust store (or env " + OptionValues.CA_CERT_ENV + "). Host names are verified too.")
  Path caCert;

  @Option(names = "--join-token", description = "Join token (or env DROVER_JOIN_TOKEN).")
  String joinToken;

  @Option(names = "--join-token-file", paramLabel = "FILE", description = "File holding the join token.")
  Path joinTokenFile;

  @Option(names = "--work-dir", paramLabel = "DIR", description = "State, logs and replica output (default: ~/.drover/agent/<name>).")
  Path workDir;

  @Option(names = "--simulate-gpus", paramLabel = "N", description = "Simulate N GPUs instead of reading NVML.")
  Integer simulateGpus;

  @Option(names = "--gpu-model", paramLabel = "NAME", description = "Model name of simulated GPUs (default: ${DEFAULT-VALUE}).")
  String gpuModel = SimulatedBackend.DEFAULT_MODEL;

  @Option(names = "--gpu-memory", paramLabel = "BYTES", description = "Memory of each simulated GPU, e.g. 80Gi (default: ${DEFAULT-VALUE}).")
  String gpuMemory = "80Gi";

  @Option(names = "--nvml-library", paramLabel = "PATH", description = "NVML library name or path (default: libnvidia-ml.so.1).")
  String nvmlLibrary;

  @Option(names = "--no-simulate-fallback", description = "Fail instead of simulating 8 GPUs when NVML is not available.")
  boolean noSimulateFallback;

  @Option(names = "--label", paramLabel = "KEY=VALUE", description = "Node label; repeatable.")
  List<String> labels = new ArrayList<>();

  @Option(names = "--port-range", paramLabel = "FROM-TO", description = "Ports lent to rank-0 replicas (default: ${DEFAULT-VALUE}).")
  String portRange = "29500-29999";

  @Option(names = "--address", description = "Address peers reach this node at (default: first non-loopback IPv4).")
  String address;

  @Option(names = "--cpus", description = "CPUs to advertise (default: available processors).")
  Integer cpus;

  @Option(names = "--memory", paramLabel = "BYTES", description = "Memory to advertise, e.g. 512Gi (default: MemTotal).")
  String memory;

  @Option(names = "--log-max-bytes", paramLabel = "BYTES", description = "Cap of each replica's log on disk (default: ${DEFAULT-VALUE}).")
  String logMaxBytes = "64Mi";

  @Option(names = "--keep-replicas-on-exit", description = "Leave replicas running when the agent shuts down.")
  boolean keepReplicasOnExit;

  @Option(names = "--health-interval", paramLabel = "DURATION",
      description = "How often GPU health is read; XIDs and other events act at once. 100ms to 10m (default: ${DEFAULT-VALUE}).")
  String healthInterval = "5s";

  @Option(names = "--health-policy", paramLabel = "FILE",
      description = "YAML or JSON file overriding the default GPU health policy (see docs/gpu-health.md).")
  Path healthPolicy;

  @Option(names = "--enable-fault-injection",
      description = "TEST ONLY: serve the token-protected fault-injection endpoint (needs simulated GPUs).")
  boolean enableFaultInjection;

  @Option(names = "--fault-injection-listen", paramLabel = "HOST:PORT",
      description = "Where the fault-injection endpoint listens (default: ${DEFAULT-VALUE}; the port goes to <work-dir>/fault-injection.port).")
  String faultInjectionListen = "127.0.0.1:0";

  @Option(names = "--fault-injection-token-file", paramLabel = "FILE",
      description = "Token of the fault-injection endpoint (default: env " + FAULT_INJECTION_TOKEN_ENV
          + ", else a random one written to <work-dir>/fault-injection.token).")
  Path faultInjectionTokenFile;

  @Option(names = "--metrics-listen", paramLabel = "HOST:PORT|none",
      description = "Serve Prometheus metrics at GET /metrics here (port 0: any free port; the bound port goes to "
          + "<work-dir>/metrics.port), or none (default: ${DEFAULT-VALUE}). See docs/metrics.md.")
  String metricsListen = "none";

  @Option(names = "--metrics-interval", paramLabel = "DURATION",
      description = "How often the metrics snapshot is taken and the GPU gauges read. 100ms to 10m (default: ${DEFAULT-VALUE}).")
  String metricsInterval = "5s";

  @Option(names = "--probe", description = "Print the GPU inventory, telemetry and health as JSON and exit.")
  boolean probe;

  @Option(names = "--run", description = "With --probe: run the command after -- on GPU 0 and report.")
  boolean run;

  @Parameters(paramLabel = "CMD", description = "With --probe --run: the command and its arguments, after --.")
  List<String> command = new ArrayList<>();

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the command line and returns the exit code (2 for bad options). */
  static int execute(String... args) {
    return commandLine().execute(args);
  }

  /** The configured command line, with bad options reported as one line and exit code 2. */
  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new AgentMain());
    cl.setParameterExceptionHandler((ex, a) -> {
      PrintWriter err = ex.getCommandLine().getErr();
      err.println(ex.getCommandLine().getCommandSpec().qualifiedName() + ": " + ex.getMessage() + " (see --help)");
      err.flush();
      return 2;
    });
    return cl;
  }

  @Override
  public Integer call() throws Exception {
    String nodeName = name == null ? HostFacts.hostname() : name;
    if (!NODE_NAME.matcher(nodeName).matches()) {
      throw usage("invalid node name '" + nodeName + "': use 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit"
          + (name == null ? " (set --name)" : ""));
    }
    Duration silenceTimeout = silenceTimeout();
    long gpuMemoryBytes = bytes("--gpu-memory", gpuMemory);
    long logBytes = bytes("--log-max-bytes", logMaxBytes);
    if (logBytes < 2 * 1024) {
      throw usage("--log-max-bytes must be at least 2Ki");
    }
    if (simulateGpus != null && (simulateGpus < 0 || simulateGpus > 1024)) {
      throw usage("--simulate-gpus must be between 0 and 1024");
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
    int cpuCount = cpus == null ? Runtime.getRuntime().availableProcessors() : cpus;
    if (cpuCount < 1) {
      throw usage("--cpus must be at least 1");
    }
    long memoryBytes = memory == null ? HostFacts.memoryBytes() : bytes("--memory", memory);
    Path dir = (workDir != null ? workDir : Path.of(System.getProperty("user.home"), ".drover", "agent", nodeName))
        .toAbsolutePath();
    if (run && !probe) {
      throw usage("--run needs --probe");
    }
    if (!command.isEmpty() && !run) {
      throw usage("unexpected arguments " + command + " (a command is only taken by --probe --run -- CMD...)");
    }
    if (run && command.isEmpty()) {
      throw usage("--probe --run needs a command after --");
    }
    GpuBackends.Choice choice = new GpuBackends.Choice(nodeName, simulateGpus, gpuModel, gpuMemoryBytes, nvmlLibrary, !noSimulateFallback);
    Duration healthEvery = healthInterval();
    HealthPolicy policy = healthPolicy();

    if (probe) {
      if (enableFaultInjection) {
        throw usage("--enable-fault-injection does not go with --probe");
      }
      Files.createDirectories(dir);
      System.setProperty(LOG_FILE_PROPERTY, dir.resolve("agent.log").toString());
      return probe(choice, policy, nodeName, dir, logBytes, portFrom);
    }
    FaultInjectionSettings faults = faultInjection();
    MetricsSettings metricsSettings = metrics();

    if (coordinators.isEmpty()) {
      throw usage("--coordinator is required (or use --probe)");
    }
    List<URI> endpoints;
    try {
      endpoints = CoordinatorEndpoints.parse(String.join(",", coordinators));
    } catch (IllegalArgumentException e) {
      throw usage(e.getMessage());
    }
    TlsTrust trust = OptionValues.caCert(spec, caCert, endpoints);
    String token = token();
    Files.createDirectories(dir);
    System.setProperty(LOG_FILE_PROPERTY, dir.resolve("agent.log").toString());
    Logger log = LoggerFactory.getLogger(AgentMain.class);
    AgentSettings settings = new AgentSettings(nodeName, endpoints, silenceTimeout, token, dir, choice, labelMap, portFrom, portTo,
        address == null ? HostFacts.defaultAddress() : address, cpuCount, memoryBytes, logBytes, keepReplicasOnExit,
        policy, healthEvery, faults, trust);
    Agent agent;
    try {
      agent = Agent.start(settings, metricsSettings);
    } catch (NvmlException | FaultInjectionRefusedException | java.net.BindException e) {
      log.error("{}", e.getMessage());
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(agent::shutdown, "agent-shutdown"));
    String reason = agent.fatal().get();
    log.error("Exiting: {}", reason);
    agent.shutdown();
    return 1;
  }

  private int probe(GpuBackends.Choice choice, HealthPolicy policy, String nodeName, Path dir, long logBytes, int masterPort)
      throws InterruptedException {
    Logger log = LoggerFactory.getLogger(AgentMain.class);
    GpuBackend backend;
    try {
      backend = GpuBackends.open(choice);
    } catch (NvmlException e) {
      log.error("{}", e.getMessage());
      return 1;
    }
    try (backend) {
      PrintWriter out = spec.commandLine().getOut();
      if (!run) {
        out.println(Probe.pretty(Probe.report(backend, policy)));
        out.flush();
        return 0;
      }
      Probe.RunReport report = Probe.run(backend, nodeName, dir, logBytes, masterPort, List.copyOf(command));
      out.println(Probe.pretty(report));
      out.flush();
      return report.exitCode() != null && report.exitCode() == 0 ? 0 : 1;
    }
  }

  private Duration healthInterval() {
    return OptionValues.duration(spec, "--health-interval", healthInterval, MIN_HEALTH_INTERVAL, MAX_HEALTH_INTERVAL);
  }

  private HealthPolicy healthPolicy() {
    if (healthPolicy == null) {
      return HealthPolicy.defaults();
    }
    try {
      return HealthPolicyFile.load(healthPolicy);
    } catch (InvalidHealthPolicyException e) {
      throw usage(e.getMessage());
    }
  }

  private MetricsSettings metrics() {
    Duration every = OptionValues.duration(spec, "--metrics-interval", metricsInterval, MIN_HEALTH_INTERVAL, MAX_HEALTH_INTERVAL);
    String l = metricsListen.trim();
    if (l.equalsIgnoreCase("none") || l.equalsIgnoreCase("off")) {
      return new MetricsSettings(null, every);
    }
    InetSocketAddress listen;
    try {
      listen = FaultInjectionSettings.parseListen(l);
    } catch (IllegalArgumentException e) {
      throw usage("invalid --metrics-listen '" + metricsListen + "': " + e.getMessage() + ", or none");
    }
    if (listen.isUnresolved()) {
      throw usage("invalid --metrics-listen '" + metricsListen + "': unknown host");
    }
    return new MetricsSettings(listen, every);
  }

  private FaultInjectionSettings faultInjection() {
    if (!enableFaultInjection) {
      if (faultInjectionTokenFile != null) {
        throw usage("--fault-injection-token-file needs --enable-fault-injection");
      }
      return FaultInjectionSettings.OFF;
    }
    InetSocketAddress listen;
    try {
      listen = FaultInjectionSettings.parseListen(faultInjectionListen);
    } catch (IllegalArgumentException e) {
      throw usage("invalid --fault-injection-listen '" + faultInjectionListen + "': " + e.getMessage());
    }
    if (listen.isUnresolved()) {
      throw usage("invalid --fault-injection-listen '" + faultInjectionListen + "': unknown host");
    }
    String t = null;
    if (faultInjectionTokenFile != null) {
      try {
        t = Files.readString(faultInjectionTokenFile, StandardCharsets.UTF_8).trim();
      } catch (IOException e) {
        throw usage("cannot read --fault-injection-token-file " + faultInjectionTokenFile + ": " + e.getMessage());
      }
      if (t.isEmpty()) {
        throw usage("--fault-injection-token-file " + faultInjectionTokenFile + " is empty");
      }
    } else if (System.getenv(FAULT_INJECTION_TOKEN_ENV) != null && !System.getenv(FAULT_INJECTION_TOKEN_ENV).isBlank()) {
      t = System.getenv(FAULT_INJECTION_TOKEN_ENV).trim();
    }
    return new FaultInjectionSettings(true, listen, t);
  }

  private String token() {
    return OptionValues.joinToken(spec, joinToken, joinTokenFile);
  }

  private Duration silenceTimeout() {
    return OptionValues.duration(spec, "--coordinator-silence-timeout", coordinatorSilenceTimeout, MIN_SILENCE_TIMEOUT,
        MAX_SILENCE_TIMEOUT);
  }

  private long bytes(String option, String value) {
    return OptionValues.bytes(spec, option, value);
  }

  private CommandLine.ParameterException usage(String message) {
    return OptionValues.usage(spec, message);
  }

  /** Reports the build version for --version. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"drover-node-agent " + ProtocolVersion.BUILD + " (agent protocol " + ProtocolVersion.AGENT_PROTOCOL + ")"};
    }
  }
}
