package dev.drover.agent.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.drover.agent.Agent;
import dev.drover.agent.AgentSettings;
import dev.drover.agent.gpu.GpuBackends;
import dev.drover.protocol.Json;
import dev.drover.protocol.tls.TestPki;
import dev.drover.protocol.tls.TlsTrust;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The agent's link over wss:// to a TLS fake coordinator: trusted by --ca-cert, or refused and reported. */
class TlsLinkTest {
  @TempDir static Path pki;
  static TestPki ca;
  static TestPki otherCa;
  static SSLContext trustedServer;
  static SSLContext otherServer;
  static SSLContext wrongNameServer;
  @TempDir Path workDir;
  private FakeCoordinator coordinator;
  private Agent agent;
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final Logger linkLog = (Logger) LoggerFactory.getLogger(CoordinatorLink.class);

  @BeforeAll
  static void certificates() throws Exception {
    ca = TestPki.create(pki.resolve("ca"), "Drover Test CA");
    otherCa = TestPki.create(pki.resolve("other"), "Unrelated CA");
    trustedServer = TestPki.serverContext(ca.serverKeystore("coordinator"));
    otherServer = TestPki.serverContext(otherCa.serverKeystore("impostor"));
    wrongNameServer = TestPki.serverContext(ca.serverKeystore("elsewhere", "dns:elsewhere.example", null, 30));
  }

  @BeforeEach
  void captureLogs() {
    logs.start();
    linkLog.addAppender(logs);
  }

  @AfterEach
  void tearDown() throws Exception {
    linkLog.detachAppender(logs);
    if (agent != null) {
      agent.shutdown();
    }
    if (coordinator != null) {
      coordinator.close();
    }
  }

  private Agent start(String url) throws Exception {
    AgentSettings settings = new AgentSettings("node-tls", CoordinatorEndpoints.parse(url), Duration.ofSeconds(3), "tok", workDir,
        new GpuBackends.Choice("node-tls", 1, "NVIDIA H100 80GB HBM3", 80L << 30, null, true), Map.of(), 29500, 29999,
        "10.1.2.3", 8, 64L << 30, 1 << 20, false).withTrust(TlsTrust.fromPem(ca.caPem(), "--ca-cert"));
    agent = Agent.start(settings);
    return agent;
  }

  @Test
  void aCoordinatorCertifiedByTheCaGetsTheHelloOverWss() throws Exception {
    coordinator = new FakeCoordinator(trustedServer);
    start(coordinator.url());
    FakeCoordinator.Connection c = coordinator.awaitConnection(10);
    assertEquals("Bearer tok", c.headers.get("authorization"));
    assertEquals("node-tls", Json.mapper().readTree(c.await("hello", 10)).get("nodeName").asText());
    assertEquals(0, coordinator.failedHandshakes.get());
  }

  @Test
  void anUntrustedCoordinatorIsReportedOnceWhileTheAgentRetriesThenAFixedCertificateIsTakenWithoutRestart() throws Exception {
    coordinator = new FakeCoordinator(otherServer);
    int port = coordinator.port();
    start(coordinator.url());
    awaitFailedHandshakes(4);
    List<String> errors = lines(Level.ERROR);
    String expected = "TLS: the certificate of coordinator wss://127.0.0.1:" + port + "/agent/v1/stream is not trusted by "
        + "--ca-cert " + ca.caPem() + " (PKIX path building failed: ";
    assertEquals(1, errors.size(), "reported once, not at every retry: " + errors);
    assertTrue(errors.get(0).startsWith(expected) && errors.get(0).endsWith("; retrying"), errors.get(0));
    assertTrue(lines(Level.WARN).isEmpty(), "no retry line per attempt: " + lines(Level.WARN));
    assertEquals(1, lines(Level.INFO).stream().filter(l -> l.startsWith("Connecting to coordinator")).count(),
        "only the first attempt says it connects: " + lines(Level.INFO));
    assertTrue(coordinator.connections.isEmpty(), "no WebSocket was opened");

    // the operator installs a certificate from the right CA on the coordinator: the agent gets in by itself
    coordinator.close();
    coordinator = reopen(trustedServer, port);
    FakeCoordinator.Connection c = coordinator.awaitConnection(15);
    assertEquals("node-tls", Json.mapper().readTree(c.await("hello", 10)).get("nodeName").asText());
  }

  @Test
  void aCertificateForAnotherNameIsReportedWithTheNamesItHas() throws Exception {
    coordinator = new FakeCoordinator(wrongNameServer);
    start(coordinator.url());
    awaitFailedHandshakes(2);
    List<String> errors = lines(Level.ERROR);
    assertEquals(List.of("TLS: the certificate of coordinator wss://127.0.0.1:" + coordinator.port() + "/agent/v1/stream does "
        + "not match host '127.0.0.1' (certificate names: DNS:elsewhere.example); retrying"), errors);
  }

  /**
   * The coordinator back on the port it had: the refused connections' sockets may hold the port for a
   * moment after the old server closed (the agent keeps retrying meanwhile), so binding is retried.
   */
  private static FakeCoordinator reopen(SSLContext tls, int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (true) {
      try {
        return new FakeCoordinator(tls, port);
      } catch (java.net.BindException e) {
        if (System.nanoTime() > deadline) throw e;
        Thread.sleep(100);
      }
    }
  }

  private void awaitFailedHandshakes(int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (coordinator.failedHandshakes.get() < n && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertTrue(coordinator.failedHandshakes.get() >= n, "handshakes refused so far: " + coordinator.failedHandshakes.get());
    Thread.sleep(200); // the agent's side logs right after the refused handshake
  }

  private List<String> lines(Level level) {
    return logs.list.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage).toList();
  }
}
