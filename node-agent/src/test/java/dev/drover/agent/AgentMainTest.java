package dev.drover.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.drover.protocol.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class AgentMainTest {
  @TempDir Path workDir;

  record Result(int code, String out, String err) {}

  private static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = AgentMain.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void probePrintsInventoryAndTelemetry() throws Exception {
    Result r = run("--probe", "--name", "probe-node", "--simulate-gpus", "2", "--gpu-model", "NVIDIA A100-SXM4-40GB",
        "--gpu-memory", "40Gi", "--work-dir", workDir.toString());
    assertEquals(0, r.code(), r.err());
    JsonNode json = Json.mapper().readTree(r.out());
    assertEquals("simulated", json.get("backend").asText());
    assertEquals("simulated", json.get("driverVersion").asText());
    assertEquals(2, json.get("gpus").size());
    assertEquals("NVIDIA A100-SXM4-40GB", json.get("gpus").get(1).get("name").asText());
    assertEquals(40L << 30, json.get("gpus").get(0).get("memoryBytes").asLong());
    assertEquals(2, json.get("telemetry").size());
    JsonNode gpu = json.get("gpus").get(0);
    assertTrue(gpu.get("serial").asText().matches("16520\\d{8}"), gpu.toString());
    assertEquals("Disabled", gpu.get("migMode").asText());
    assertEquals("NVLINK", json.get("topology").get(0).get("path").asText());
    assertEquals(18, json.get("topology").get(0).get("nvlinks").asInt());
    JsonNode sample = json.get("telemetry").get(0);
    assertEquals(345, sample.get("smClockMhz").asInt());
    assertEquals("GPU_IDLE", sample.get("throttleReasons").get(0).asText());
    assertEquals(87, json.get("healthReadings").get("gpus").get(0).get("slowdownC").asInt());
    assertEquals("HEALTHY", json.get("health").get("gpus").get(1).get("status").asText());
    assertEquals(0, json.get("health").get("node").size());
  }

  @Test
  void probeReadsNvmlThroughTheFakeLibrary() throws Exception {
    java.nio.file.Path fake = dev.drover.agent.gpu.FakeNvml.library();
    org.junit.jupiter.api.Assumptions.assumeTrue(fake != null, "gcc is not available");
    dev.drover.agent.gpu.FakeNvml.script(workDir.resolve("script"), "temp 1 88");
    Result r = run("--probe", "--name", "probe-node", "--nvml-library", fake.toString(), "--no-simulate-fallback",
        "--work-dir", workDir.toString());
    assertEquals(0, r.code(), r.err());
    JsonNode json = Json.mapper().readTree(r.out());
    assertEquals("nvml", json.get("backend").asText());
    assertEquals("Enabled", json.get("gpus").get(1).get("migMode").asText());
    assertEquals(4, json.get("topology").get(0).get("nvlinks").asInt());
    assertEquals(1980, json.get("telemetry").get(0).get("smClockMhz").asInt());
    assertEquals("DEGRADED", json.get("health").get("gpus").get(1).get("status").asText());
    assertEquals("THERMAL_SLOWDOWN", json.get("health").get("gpus").get(1).get("conditions").get(0).get("code").asText());
  }

  @Test
  void healthAndFaultInjectionOptionsAreChecked() throws Exception {
    java.nio.file.Path policy = workDir.resolve("policy.yaml");
    java.nio.file.Files.writeString(policy, "thermal:\n  hysteresis: 3\n");
    String[][] cases = {
      {"--health-interval", "10ms", "--health-interval must be between 100ms and 10m, got '10ms'"},
      {"--health-interval", "often", "invalid --health-interval 'often'"},
      {"--health-policy", policy.toString(), "invalid health policy " + policy + ": /thermal/hysteresis: unknown field"},
      {"--enable-fault-injection", "--probe", "--enable-fault-injection does not go with --probe"},
      {"--enable-fault-injection", "--fault-injection-listen", "localhost", "invalid --fault-injection-listen 'localhost'"},
      {"--fault-injection-token-file", "/tmp/x", "--fault-injection-token-file needs --enable-fault-injection"},
      {"--metrics-listen", "localhost", "invalid --metrics-listen 'localhost': expected HOST:PORT, e.g. 127.0.0.1:0, or none"},
      {"--metrics-listen", "127.0.0.1:70000", "invalid --metrics-listen '127.0.0.1:70000': port must be 0 (any free port) to 65535"},
      {"--metrics-interval", "10ms", "--metrics-interval must be between 100ms and 10m, got '10ms'"},
    };
    for (String[] c : cases) {
      java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("--name", "n", "--simulate-gpus", "1",
          "--coordinator", "ws://127.0.0.1:1", "--join-token", "t", "--work-dir", workDir.toString()));
      args.addAll(java.util.List.of(c).subList(0, c.length - 1));
      Result r = run(args.toArray(String[]::new));
      assertEquals(2, r.code(), String.join(" ", c) + ": " + r.err());
      assertTrue(r.err().contains(c[c.length - 1]), r.err());
      assertEquals(1, r.err().lines().count(), r.err());
    }
    Result help = run("--help");
    assertTrue(help.out().contains("--health-interval") && help.out().contains("--enable-fault-injection")
        && help.out().contains("inject"), help.out());
  }

  @Test
  void probeRunReportsExitCodeSamplesAndLogTail() throws Exception {
    Result r = run("--probe", "--run", "--name", "probe-node", "--simulate-gpus", "1", "--work-dir", workDir.toString(),
        "--", "sh", "-c", "echo visible=$CUDA_VISIBLE_DEVICES rank=$RANK; sleep 0.7");
    assertEquals(0, r.code(), r.err());
    JsonNode json = Json.mapper().readTree(r.out());
    assertEquals(0, json.get("exitCode").asInt());
    assertEquals("COMPLETED", json.get("termination").asText());
    assertEquals("visible=0 rank=0\n", json.get("logTail").asText());
    assertTrue(json.get("telemetry").size() >= 2, r.out());
    assertTrue(json.get("telemetry").get(0).get("gpus").get(0).get("utilizationPercent").asInt() >= 90, "busy while running");
  }

  @Test
  void probeRunOfAMissingProgramFails() throws Exception {
    Result r = run("--probe", "--run", "--simulate-gpus", "1", "--name", "n", "--work-dir", workDir.toString(), "--", "no-such-cmd-q");
    assertEquals(1, r.code());
    JsonNode json = Json.mapper().readTree(r.out());
    assertEquals("START_FAILED", json.get("termination").asText());
  }

  @Test
  void caCertIsCheckedBeforeTheAgentStarts() throws Exception {
    java.nio.file.Path missing = workDir.resolve("missing.pem");
    java.nio.file.Path key = java.nio.file.Files.writeString(workDir.resolve("key.pem"),
        "-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n");
    java.nio.file.Path text = java.nio.file.Files.writeString(workDir.resolve("text.pem"), "hello\n");
    dev.drover.protocol.tls.TestPki ca = dev.drover.protocol.tls.TestPki.create(workDir.resolve("ca"), "Drover Test CA");
    String[][] cases = {
      {"wss://127.0.0.1:1", missing.toString(), "--ca-cert " + missing + ": no such file"},
      {"https://127.0.0.1:1", key.toString(), "--ca-cert " + key + ": holds no certificate, only PRIVATE KEY"},
      {"wss://127.0.0.1:1", text.toString(), "--ca-cert " + text + ": not a PEM file"},
      {"ws://127.0.0.1:1,http://127.0.0.1:2", ca.caPem().toString(), "--ca-cert needs a wss:// or https:// coordinator URL"},
    };
    for (String[] c : cases) {
      Result r = run("--name", "n", "--simulate-gpus", "1", "--coordinator", c[0], "--ca-cert", c[1], "--join-token", "t",
          "--work-dir", workDir.resolve("w").toString());
      assertEquals(2, r.code(), String.join(" ", c) + ": " + r.err());
      assertTrue(r.err().startsWith("drover-node-agent: " + c[2]), r.err());
      assertEquals(1, r.err().lines().count(), r.err());
    }
    assertTrue(run("--help").out().contains("--ca-cert=FILE"));
  }

  @Test
  void badOptionsAreOneLineAndExitTwo() {
    for (String[] args : new String[][] {
        {"--bogus"},
        {"--name", "bad name", "--probe"},
        {"--name", "n", "--port-range", "9-1", "--probe"},
        {"--name", "n", "--label", "novalue", "--probe"},
        {"--name", "n", "--gpu-memory", "lots", "--probe"},
        {"--name", "n", "--work-dir", "/tmp/x"},
        {"--name", "n", "--coordinator", "ftp://x", "--join-token", "t"},
        {"--name", "n", "--run", "--", "true"},
        {"--name", "n", "--coordinator", "ws://x", "--join-token", "t", "--coordinator-silence-timeout", "soon"},
        {"--name", "n", "--coordinator", "ws://x", "--join-token", "t", "--coordinator-silence-timeout", "100ms"},
        {"--name", "n", "--coordinator", "ws://x", "--join-token", "t", "--coordinator-silence-timeout", "1h"}}) {
      Result r = run(args);
      assertEquals(2, r.code(), String.join(" ", args) + ": " + r.err());
      assertEquals(1, r.err().lines().count(), r.err());
      assertTrue(r.err().startsWith("drover-node-agent: "), r.err());
    }
  }

  @Test
  void silenceTimeoutErrorsSayWhatIsAccepted() {
    Result bad = run("--name", "n", "--coordinator", "ws://x", "--join-token", "t", "--coordinator-silence-timeout", "soon");
    assertTrue(bad.err().contains("invalid --coordinator-silence-timeout 'soon'") && bad.err().contains("30s"), bad.err());
    Result range = run("--name", "n", "--coordinator", "ws://x", "--join-token", "t", "--coordinator-silence-timeout", "500ms");
    assertTrue(range.err().contains("--coordinator-silence-timeout must be between 1s and 10m, got '500ms'"), range.err());
    Result help = run("--help");
    assertTrue(help.out().contains("--coordinator-silence-timeout") && help.out().contains("default: 3s"), help.out());
  }
}
