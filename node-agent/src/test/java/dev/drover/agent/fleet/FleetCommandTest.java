package dev.drover.agent.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drover.agent.AgentMain;
import dev.drover.agent.AgentSettings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code drover-node-agent fleet}: option checks and the agents' settings it builds (the running fleet: coordinator's FleetIT). */
class FleetCommandTest {
  @TempDir Path dir;

  private String[] args(String... extra) throws Exception {
    Path token = dir.resolve("join-token");
    Files.writeString(token, "jt-1\n");
    // the base options, each replaced by the same option in extra (picocli refuses a single-valued one given twice)
    Map<String, String> options = new java.util.LinkedHashMap<>(Map.of("--count", "3", "--coordinator", "http://127.0.0.1:9",
        "--join-token-file", token.toString(), "--work-dir", dir.resolve("fleet").toString()));
    List<String> a = new ArrayList<>(List.of("fleet"));
    for (int i = 0; i + 1 < extra.length; i += 2) {
      options.remove(extra[i]);
    }
    options.forEach((k, v) -> a.addAll(List.of(k, v)));
    a.addAll(List.of(extra));
    return a.toArray(String[]::new);
  }

  private static String error(String... args) {
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new AgentMain());
    cl.setErr(new PrintWriter(err));
    CommandLine.ParseResult parsed;
    try {
      parsed = cl.parseArgs(args);
    } catch (CommandLine.ParameterException e) {
      return e.getMessage();
    }
    FleetCommand fleet = parsed.subcommand().commandSpec().commandLine().getCommand();
    try {
      fleet.plan();
    } catch (CommandLine.ParameterException e) {
      return e.getMessage();
    }
    return null;
  }

  private static FleetCommand.Plan plan(String... args) {
    CommandLine cl = new CommandLine(new AgentMain());
    FleetCommand fleet = cl.parseArgs(args).subcommand().commandSpec().commandLine().getCommand();
    return fleet.plan();
  }

  @Test
  void buildsOneAgentPerNameWithItsOwnWorkDir() throws Exception {
    FleetCommand.Plan p = plan(args("--gpus", "4", "--name-prefix", "sim-", "--stagger", "0", "--lanes", "3", "--label", "rack=r1",
        "--health-interval", "2s"));
    assertEquals(3, p.agents().size());
    assertEquals(3, p.lanes());
    assertEquals(Duration.ZERO, p.stagger());
    for (int i = 0; i < 3; i++) {
      AgentSettings s = p.agents().get(i);
      assertEquals("sim-" + (i + 1), s.nodeName());
      assertEquals(dir.resolve("fleet").resolve("sim-" + (i + 1)), s.workDir());
      assertEquals(4, s.gpus().simulateGpus());
      assertEquals(false, s.gpus().fallbackToSimulated());
      assertEquals("jt-1", s.joinToken());
      assertEquals(Map.of("rack", "r1"), s.labels());
      assertEquals("ws://127.0.0.1:9/agent/v1/stream", s.coordinators().get(0).toString());
      assertEquals(Duration.ofSeconds(2), s.healthInterval());
      assertEquals(false, s.keepReplicasOnExit());
    }
    assertEquals(Duration.ofMillis(20), plan(args()).stagger());
  }

  @Test
  void refusesBadOptionsNamingThem() throws Exception {
    assertEquals("--count must be between 1 and 10000, got 0", error(args("--count", "0")));
    assertEquals("--count must be between 1 and 10000, got 10001", error(args("--count", "10001")));
    assertEquals("--gpus must be between 0 and 1024, got -1", error(args("--gpus", "-1")));
    assertTrue(error(args("--name-prefix", "-x")).startsWith("invalid --name-prefix '-x': node names (-x1 .. -x3)"));
    assertTrue(error(args("--name-prefix", "a".repeat(63))).startsWith("invalid --name-prefix"), "names longer than 63");
    assertEquals("--lanes must be between 1 and 256, got 0", error(args("--lanes", "0")));
    assertEquals("--stagger must be between 0 and 10s, got '11s'", error(args("--stagger", "11s")));
    assertTrue(error(args("--stagger", "soon")).startsWith("invalid --stagger 'soon'"));
    assertEquals("--health-interval must be between 100ms and 10m, got '10ms'", error(args("--health-interval", "10ms")));
    assertEquals("--coordinator-silence-timeout must be between 1s and 10m, got '500ms'",
        error(args("--coordinator-silence-timeout", "500ms")));
    assertEquals("--log-max-bytes must be at least 2Ki", error(args("--log-max-bytes", "1Ki")));
    assertTrue(error(args("--port-range", "9-1")).startsWith("invalid --port-range '9-1'"));
    assertEquals("invalid --label 'rack': expected KEY=VALUE", error(args("--label", "rack")));
    assertTrue(error(args("--coordinator", "ftp://x")).contains("ftp://x"), error(args("--coordinator", "ftp://x")));
    String[] both = args("--join-token", "t");
    List<String> withFile = new ArrayList<>(List.of(both));
    withFile.addAll(List.of("--join-token-file", dir.resolve("join-token").toString()));
    assertTrue(withFile.indexOf("--join-token-file") >= 0);
    assertEquals("give either --join-token or --join-token-file, not both", error(both));
    assertTrue(error("fleet", "--coordinator", "http://127.0.0.1:9").contains("--count"), "--count is required");
    assertTrue(error(args("--join-token-file", dir.resolve("missing").toString())).startsWith("cannot read --join-token-file"));
    assertEquals(null, error(args()));
    assertEquals("--ca-cert needs a wss:// or https:// coordinator URL",
        error(args("--ca-cert", dir.resolve("join-token").toString())));
    assertEquals("--ca-cert " + dir.resolve("nope.pem") + ": no such file",
        error(args("--coordinator", "https://127.0.0.1:9", "--ca-cert", dir.resolve("nope.pem").toString())));
  }

  @Test
  void everyAgentTrustsTheCaCertOfTheFleet() throws Exception {
    dev.drover.protocol.tls.TestPki ca = dev.drover.protocol.tls.TestPki.create(dir.resolve("ca"), "Drover Test CA");
    FleetCommand.Plan p = plan(args("--coordinator", "https://127.0.0.1:9", "--ca-cert", ca.caPem().toString()));
    for (AgentSettings s : p.agents()) {
      assertEquals("--ca-cert " + ca.caPem(), s.trust().source());
      assertEquals("wss://127.0.0.1:9/agent/v1/stream", s.coordinators().get(0).toString());
    }
    assertEquals("the JVM's default trust store", plan(args()).agents().get(0).trust().source());
  }
}
