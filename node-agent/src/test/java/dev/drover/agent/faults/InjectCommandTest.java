package dev.drover.agent.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.drover.agent.Agent;
import dev.drover.agent.AgentSettings;
import dev.drover.agent.link.CoordinatorEndpoints;
import dev.drover.agent.gpu.GpuBackends;
import dev.drover.protocol.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code drover agent inject} end to end against an agent running in this JVM. */
class InjectCommandTest {
  @TempDir Path workDir;
  @TempDir Path other;
  Agent agent;

  record Result(int code, String out, String err) {}

  @BeforeEach
  void startAgent() throws Exception {
    String nowhere;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      nowhere = "ws://127.0.0.1:" + s.getLocalPort();
    }
    agent = Agent.start(new AgentSettings("node-inject", CoordinatorEndpoints.parse(nowhere), Duration.ofSeconds(3), "tok",
        workDir, new GpuBackends.Choice("node-inject", 4, "NVIDIA H100 80GB HBM3", 80L << 30, null, true), Map.of(),
        29500, 29999, "127.0.0.1", 8, 64L << 30, 1 << 20, false)
        .withFaultInjection(new FaultInjectionSettings(true, new InetSocketAddress("127.0.0.1", 0), null)));
  }

  @AfterEach
  void stop() {
    agent.shutdown();
  }

  private static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = dev.drover.agent.AgentMainAccess.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    CommandLine inject = cl.getSubcommands().get("inject");
    inject.setOut(new PrintWriter(out));
    inject.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void injectListAndClear() throws Exception {
    Result r = run("inject", "--work-dir", workDir.toString(), "--gpu", "3", "--xid", "79");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().startsWith("Injected XID 79 on GPU 3\n"), r.out());
    assertTrue(r.out().contains("3     Unhealthy  XID 79: GPU has fallen off the bus [Unhealthy since "), r.out());
    assertTrue(r.out().contains("0     Healthy    -"), r.out());

    r = run("inject", "--work-dir", workDir.toString(), "--gpu", "1", "--ecc-dbe", "2");
    assertTrue(r.out().contains("1     Unhealthy  2 uncorrectable (double-bit) ECC error(s)"), r.out());
    r = run("inject", "--work-dir", workDir.toString(), "--node-fault", "NVML_FAILURE");
    assertTrue(r.out().contains("node  Unhealthy"), r.out());

    r = run("inject", "--work-dir", workDir.toString(), "--list", "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode state = Json.mapper().readTree(r.out());
    assertEquals(3, state.get("injected").size());
    assertEquals("UNHEALTHY", state.get("health").get("gpus").get(3).get("status").asText());

    r = run("inject", "--work-dir", workDir.toString(), "--clear", "--gpu", "3");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("3     Healthy    -"), r.out());
    assertTrue(r.out().contains("1     Unhealthy"), r.out());
    r = run("inject", "--work-dir", workDir.toString(), "--clear");
    assertTrue(r.out().contains("1     Healthy") && r.out().contains("node  Healthy"), r.out());

    // with an explicit URL and token file
    Path token = workDir.resolve(FaultInjectionServer.TOKEN_FILE);
    r = run("inject", "--agent-url", "http://127.0.0.1:" + agent.faultInjectionPort(), "--token-file", token.toString(),
        "--gpu", "0", "--temperature", "95");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("0     Unhealthy  GPU temperature within 2 C of the device's shutdown threshold (92 C)"), r.out());
  }

  @Test
  void badInputAndMissingAgentsAreClear() throws Exception {
    Result none = run("inject", "--work-dir", workDir.toString(), "--gpu", "1");
    assertEquals(2, none.code());
    assertTrue(none.err().startsWith("drover-node-agent inject: nothing to do: one fault (--xid"), none.err());
    Result two = run("inject", "--work-dir", workDir.toString(), "--gpu", "1", "--xid", "79", "--lost");
    assertTrue(two.err().contains("give one action, not --xid and --lost"), two.err());
    Result noGpu = run("inject", "--work-dir", workDir.toString(), "--xid", "79");
    assertTrue(noGpu.err().contains("--xid needs --gpu N"), noGpu.err());

    Result badGpu = run("inject", "--work-dir", workDir.toString(), "--gpu", "7", "--lost");
    assertEquals(1, badGpu.code());
    assertTrue(badGpu.err().contains("the agent refused the request (HTTP 400):\n  /gpu: no GPU 7 on this node: it has 4"), badGpu.err());

    Files.writeString(other.resolve("bad-token"), "nope\n");
    Result badToken = run("inject", "--work-dir", workDir.toString(), "--token-file", other.resolve("bad-token").toString(), "--list");
    assertEquals(1, badToken.code());
    assertTrue(badToken.err().contains("the agent refused the token (HTTP 401)"), badToken.err());

    Result notEnabled = run("inject", "--work-dir", other.toString(), "--gpu", "0", "--xid", "79");
    assertEquals(2, notEnabled.code());
    assertTrue(notEnabled.err().contains("no fault-injection endpoint for the agent in " + other), notEnabled.err());
    assertTrue(notEnabled.err().contains("--enable-fault-injection"), notEnabled.err());

    int port = agent.faultInjectionPort();
    agent.shutdown();
    Files.writeString(workDir.resolve(FaultInjectionServer.PORT_FILE), port + "\n");
    Result stopped = run("inject", "--work-dir", workDir.toString(), "--list");
    assertEquals(1, stopped.code());
    assertTrue(stopped.err().contains("connection refused): is the agent running with --enable-fault-injection?"), stopped.err());
  }
}
