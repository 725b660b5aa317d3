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
