package dev.drover.agent.faults;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.drover.agent.gpu.SimulatedFault;
import dev.drover.agent.host.HostFacts;
import dev.drover.agent.health.RecordedXid;
import dev.drover.protocol.Json;
import dev.drover.protocol.agent.GpuHealth;
import dev.drover.protocol.agent.HealthCondition;
import dev.drover.protocol.agent.HealthStatus;
import dev.drover.protocol.api.Problem;
import dev.drover.protocol.spec.FieldError;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code drover agent inject}: injects a fault into (or clears the faults of) a running agent with
 * simulated GPUs and fault injection enabled, then prints the node's health. It finds the agent's
 * endpoint and token in the agent's work dir, or takes {@code --agent-url} and {@code --token-file}.
 */
@Command(
    name = "inject",
    mixinStandardHelpOptions = true,
    description = {
      "Inject a fault into a running agent with simulated GPUs (test only: the agent needs --enable-fault-injection).",
      "Examples: inject --gpu 3 --xid 79;  inject --gpu 0 --temperature 95;  inject --node-fault NVML_FAILURE;",
      "          inject --clear [--gpu 3];  inject --list"})
public final class InjectCommand implements Callable<Integer> {
  static final String TOKEN_ENV = "DROVER_FAULT_INJECTION_TOKEN";

  @Spec CommandSpec spec;

  @Option(names = "--name", description = "The agent's node name, for its default work dir (default: host name).")
  String name;

  @Option(names = "--work-dir", paramLabel = "DIR",
      description = "The agent's work dir, holding fault-injection.port and .token (default: ~/.drover/agent/<name>).")
  Path workDir;

  @Option(names = "--agent-url", paramLabel = "URL", description = "The endpoint's base URL, e.g. http://127.0.0.1:40123 (instead of the work dir's port file).")
  String agentUrl;

  @Option(names = "--token-file", paramLabel = "FILE",
      description = "File holding the token (default: env " + TOKEN_ENV + ", else <work-dir>/fault-injection.token).")
  Path tokenFile;

  @Option(names = "--gpu", paramLabel = "N", description = "The GPU index.")
  Integer gpu;

  @Option(names = "--xid", paramLabel = "N", description = "Deliver XID N.")
  Long xid;

  @Option(names = "--ecc-dbe", paramLabel = "N", description = "Add N volatile double-bit ECC errors.")
  Long eccDbe;

  @Option(names = "--ecc-sbe", paramLabel = "N", description = "Add N volatile single-bit ECC errors.")
  Long eccSbe;

  @Option(names = "--retired-pages-pending", description = "Retired pages wait for a reset.")
  boolean retiredPagesPending;

  @Option(names = "--row-remap-pending", description = "A row remapping waits for a reset.")
  boolean rowRemapPending;

  @Option(names = "--row-remap-failure", description = "A row remapping failed.")
  boolean rowRemapFailure;

  @Option(names = "--temperature", paramLabel = "C", description = "Set the GPU's temperature.")
  Long temperature;

  @Option(names = "--pcie-replay", paramLabel = "N", description = "Add N PCIe replays.")
  Long pcieReplay;

  @Option(names = "--nvlink-errors", paramLabel = "N", description = "Add N NVLink errors.")
  Long nvlinkErrors;

  @Option(names = "--lost", description = "The GPU falls off the bus (NVML_ERROR_GPU_IS_LOST).")
  boolean lost;

  @Option(names = "--node-fault", paramLabel = "KIND", description = "A node-level fault: NVML_FAILURE.")
  String nodeFault;

  @Option(names = "--clear", description = "Clear every fault (a simulated reset), or those of --gpu.")
  boolean clear;

  @Option(names = "--list", description = "Show the injected faults and the health without changing anything.")
  boolean list;

  @Option(names = "--json", description = "Print the agent's answer as JSON.")
  boolean json;

  @Override
  public Integer call() {
    Map<String, Object> request = new LinkedHashMap<>();
    String action = action(request);
    Endpoint endpoint = endpoint();
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(endpoint.base() + FaultInjectionServer.PATH
            + (clear && gpu != null ? "?gpu=" + gpu : "")))
        .timeout(Duration.ofSeconds(15))
        .header("Authorization", "Bearer " + endpoint.token());
    switch (action) {
      case "list" -> b.GET();
      case "clear" -> b.DELETE();
      default -> b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(Json.write(request)));
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    HttpResponse<String> response;
    try {
      response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
          .send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (ConnectException e) {
      err.println("drover agent inject: cannot reach the agent's fault-injection endpoint at " + endpoint.base()
          + " (connection refused): is the agent running with --enable-fault-injection?");
      err.flush();
      return 1;
    } catch (IOException e) {
      err.println("drover agent inject: request to " + endpoint.base() + " failed: " + e);
      err.flush();
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
    if (response.statusCode() != 200) {
      err.println("drover agent inject: " + failure(response));
      err.flush();
      return 1;
    }
    if (json) {
      out.println(response.body());
      out.flush();
      return 0;
    }
    FaultState state;
    try {
      state = Json.mapper().readValue(response.body(), FaultState.class);
    } catch (JsonProcessingException e) {
      err.println("drover agent inject: unreadable answer from the agent: " + e.getOriginalMessage());
      err.flush();
      return 1;
    }
    out.print(render(action, request, state));
    out.flush();
    return 0;
  }

  /** Fills the POST body and returns "fault", "clear" or "list"; exactly one action is allowed. */
  private String action(Map<String, Object> request) {
    List<String> given = new ArrayList<>();
    addIf(given, xid != null, "--xid");
    addIf(given, eccDbe != null, "--ecc-dbe");
    addIf(given, eccSbe != null, "--ecc-sbe");
    addIf(given, retiredPagesPending, "--retired-pages-pending");
    addIf(given, rowRemapPending, "--row-remap-pending");
    addIf(given, rowRemapFailure, "--row-remap-failure");
    addIf(given, temperature != null, "--temperature");
    addIf(given, pcieReplay != null, "--pcie-replay");
    addIf(given, nvlinkErrors != null, "--nvlink-errors");
    addIf(given, lost, "--lost");
    addIf(given, nodeFault != null, "--node-fault");
    addIf(given, clear, "--clear");
    addIf(given, list, "--list");
    if (given.size() != 1) {
      throw usage((given.isEmpty() ? "nothing to do" : "give one action, not " + String.join(" and ", given))
          + ": one fault (--xid, --ecc-dbe, --ecc-sbe, --retired-pages-pending, --row-remap-pending, --row-remap-failure,"
          + " --temperature, --pcie-replay, --nvlink-errors, --lost, --node-fault), --clear or --list");
    }
    String what = given.get(0);
    if (what.equals("--list")) {
      if (gpu != null) {
        throw usage("--list shows every GPU and takes no --gpu");
      }
      return "list";
    }
    if (what.equals("--clear")) {
      return "clear";
    }
    if (what.equals("--node-fault")) {
      if (gpu != null) {
        throw usage("--node-fault is about the whole node and takes no --gpu");
      }
      request.put("node", nodeFault);
      return "fault";
    }
    if (gpu == null) {
      throw usage(what + " needs --gpu N");
    }
    request.put("gpu", gpu);
    switch (what) {
      case "--xid" -> request.put("xid", xid);
      case "--ecc-dbe" -> kind(request, "ECC_DBE").put("count", eccDbe);
      case "--ecc-sbe" -> kind(request, "ECC_SBE").put("count", eccSbe);
      case "--retired-pages-pending" -> kind(request, "RETIRED_PAGES_PENDING");
      case "--row-remap-pending" -> kind(request, "ROW_REMAP_PENDING");
      case "--row-remap-failure" -> kind(request, "ROW_REMAP_FAILURE");
      case "--temperature" -> kind(request, "TEMPERATURE").put("value", temperature);
      case "--pcie-replay" -> kind(request, "PCIE_REPLAY").put("count", pcieReplay);
      case "--nvlink-errors" -> kind(request, "NVLINK_ERRORS").put("count", nvlinkErrors);
      case "--lost" -> kind(request, "GPU_LOST");
      default -> throw new IllegalStateException(what);
    }
    return "fault";
  }

  private static Map<String, Object> kind(Map<String, Object> request, String kind) {
    request.put("fault", kind);
    return request;
  }

  private static void addIf(List<String> list, boolean cond, String name) {
    if (cond) {
      list.add(name);
    }
  }

  private record Endpoint(String base, String token) {}

  private Endpoint endpoint() {
    Path dir = workDir;
    if (dir == null && agentUrl == null) {
      String node = name == null ? HostFacts.hostname() : name;
      dir = Path.of(System.getProperty("user.home"), ".drover", "agent", node);
    }
    String base;
    if (agentUrl != null) {
      base = agentUrl.replaceAll("/+$", "");
      if (!base.startsWith("http://") && !base.startsWith("https://")) {
        throw usage("--agent-url must be an http:// or https:// URL, got '" + agentUrl + "'");
      }
    } else {
      Path portFile = dir.resolve(FaultInjectionServer.PORT_FILE);
      String port = readSmall(portFile, "no fault-injection endpoint for the agent in " + dir + " (" + portFile
          + " does not exist): start the agent with --simulate-gpus N --enable-fault-injection, or give --work-dir or --agent-url");
      if (!port.matches("\\d{1,5}")) {
        throw usage(portFile + " does not hold a port number");
      }
      base = "http://127.0.0.1:" + port;
    }
    String token;
    if (tokenFile != null) {
      token = readSmall(tokenFile, "cannot read --token-file " + tokenFile);
    } else if (System.getenv(TOKEN_ENV) != null && !System.getenv(TOKEN_ENV).isBlank()) {
      token = System.getenv(TOKEN_ENV).trim();
    } else if (dir != null) {
      Path f = dir.resolve(FaultInjectionServer.TOKEN_FILE);
      token = readSmall(f, "no token: " + f + " does not exist (the agent was given its token): use --token-file or env " + TOKEN_ENV);
    } else {
      throw usage("with --agent-url, give --token-file, env " + TOKEN_ENV + " or --work-dir");
    }
    if (token.isBlank()) {
      throw usage("the fault-injection token is empty");
    }
    return new Endpoint(base, token);
  }

  private CommandLine.ParameterException readError(String message) {
    return usage(message);
  }

  private String readSmall(Path file, String missing) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8).trim();
    } catch (NoSuchFileException e) {
      throw readError(missing);
    } catch (IOException e) {
      throw readError("cannot read " + file + ": " + e.getMessage());
    }
  }

  private static String failure(HttpResponse<String> response) {
    int code = response.statusCode();
    String detail = response.body();
    List<FieldError> errors = List.of();
    try {
      Problem p = Json.mapper().readValue(response.body(), Problem.class);
      detail = p.detail();
      errors = p.errors() == null ? List.of() : p.errors();
    } catch (JsonProcessingException e) {
      // not a problem document: show the body as is
    }
    if (code == 401) {
      return "the agent refused the token (HTTP 401): check --token-file, env " + TOKEN_ENV + " or the work dir's token";
    }
    if (code == 400 && !errors.isEmpty()) {
      StringBuilder sb = new StringBuilder("the agent refused the request (HTTP 400):");
      for (FieldError e : errors) {
        sb.append("\n  ").append(e);
      }
      return sb.toString();
    }
    return "HTTP " + code + ": " + detail;
  }

  /** A short human summary: what was done, then one line per GPU and the node. */
  static String render(String action, Map<String, Object> request, FaultState state) {
    StringBuilder sb = new StringBuilder();
    switch (action) {
      case "fault" -> sb.append("Injected ").append(describe(request)).append('\n');
      case "clear" -> sb.append("Cleared faults").append('\n');
      default -> {
        sb.append(state.injected().isEmpty() ? "No faults injected\n" : "Injected faults:\n");
        for (SimulatedFault f : state.injected()) {
          sb.append("  ").append(f.gpu() == null ? "node" : "GPU " + f.gpu()).append(": ").append(f.kind())
              .append(f.value() == null ? "" : " " + f.value()).append(" (at ").append(f.at()).append(")\n");
        }
        for (RecordedXid x : state.recentXids()) {
          sb.append("  XID ").append(x.xid()).append(" on GPU ").append(x.gpu()).append(" at ").append(x.at())
              .append(": ").append(x.verdict().display()).append('\n');
        }
      }
    }
    sb.append(String.format("%-5s %-10s %s%n", "GPU", "STATUS", "CONDITIONS"));
    for (GpuHealth g : state.health().gpus()) {
      sb.append(String.format("%-5d %-10s %s%n", g.index(), g.status().display(), conditions(g.conditions())));
    }
    HealthStatus node = HealthStatus.HEALTHY;
    for (HealthCondition c : state.health().node()) {
      node = node.worst(c.status());
    }
    sb.append(String.format("%-5s %-10s %s%n", "node", node.display(), conditions(state.health().node())));
    return sb.toString();
  }

  private static String describe(Map<String, Object> request) {
    if (request.containsKey("node")) {
      return "node fault " + request.get("node");
    }
    String kind = request.containsKey("xid") ? "XID " + request.get("xid") : String.valueOf(request.get("fault"));
    Object v = request.containsKey("count") ? request.get("count") : request.get("value");
    return kind + (v == null ? "" : " " + v) + " on GPU " + request.get("gpu");
  }

  private static String conditions(List<HealthCondition> list) {
    if (list.isEmpty()) {
      return "-";
    }
    List<String> parts = new ArrayList<>();
    for (HealthCondition c : list) {
      parts.add(c.reason() + " [" + c.status().display() + " since " + c.since() + "]");
    }
    return String.join("; ", parts);
  }

  private CommandLine.ParameterException usage(String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }
}
