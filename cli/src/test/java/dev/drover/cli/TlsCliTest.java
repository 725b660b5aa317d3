package dev.drover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drover.protocol.api.NodeList;
import dev.drover.protocol.tls.TestPki;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --ca-cert} (flag, DROVER_CA_CERT, config key ca-cert) against an HTTPS server on loopback. */
class TlsCliTest {
  @TempDir static Path pki;
  static TestPki ca;
  static TestPki otherCa;
  static javax.net.ssl.SSLContext serverTls;
  @TempDir Path home;
  FakeCoordinator server;
  String url;

  @BeforeAll
  static void certificates() throws Exception {
    ca = TestPki.create(pki.resolve("ca"), "Drover Test CA");
    otherCa = TestPki.create(pki.resolve("other"), "Unrelated CA");
    serverTls = TestPki.serverContext(ca.serverKeystore("coordinator"));
  }

  @BeforeEach
  void start() throws Exception {
    server = new FakeCoordinator(serverTls);
    server.onJson("GET", "/api/v1/nodes", 200, new NodeList(List.of(Fixtures.node("gpu-node-1", false))));
    url = server.url().toString();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void theFlagTheEnvironmentAndTheConfigFileEachGiveTheCa() throws Exception {
    CliRun.Result flag = new CliRun(Map.of(), home).run("nodes", "--server", url, "--ca-cert", ca.caPem().toString());
    assertEquals(0, flag.exitCode(), flag.err());
    assertTrue(flag.out().contains("gpu-node-1"), flag.out());

    CliRun.Result env = new CliRun(Map.of("DROVER_URL", url, "DROVER_CA_CERT", ca.caPem().toString()), home).run("nodes");
    assertEquals(0, env.exitCode(), env.err());

    // as `drover coordinator --write-client-config --tls-ca-cert` writes it; a relative path is relative to the file
    Files.createDirectories(home.resolve(".drover"));
    Files.copy(ca.caPem(), home.resolve(".drover/ca.pem"));
    Files.writeString(home.resolve(".drover/config"), "url=" + url + "\ntoken=t\nca-cert=ca.pem\n");
    CliRun.Result file = new CliRun(Map.of(), home).run("nodes");
    assertEquals(0, file.exitCode(), file.err());
    assertEquals(3, server.requests.size());
    assertEquals("Bearer t", server.requests.get(2).header("Authorization"));
  }

  @Test
  void anUntrustedServerIsOneClearLineAndExitOne() {
    CliRun.Result r = new CliRun(Map.of(), home).run("nodes", "--server", url, "--ca-cert", otherCa.caPem().toString());
    assertEquals(ExitCodes.FAILURE, r.exitCode(), r.err());
    assertTrue(r.err().startsWith("error: TLS: the server's certificate is not trusted by --ca-cert " + otherCa.caPem()
        + " (PKIX path building failed: "), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
    assertEquals(0, server.requests.size(), "no request got through");

    CliRun.Result jvm = new CliRun(Map.of(), home).run("nodes", "--server", url);
    assertTrue(jvm.err().startsWith("error: TLS: the server's certificate is not trusted by the JVM's default trust store"),
        jvm.err());
  }

  @Test
  void aCaFileThatIsNotUsableOrNotForHttpsIsAUsageError() throws Exception {
    Path missing = pki.resolve("missing.pem");
    CliRun.Result r = new CliRun(Map.of(), home).run("nodes", "--server", url, "--ca-cert", missing.toString());
    assertEquals(ExitCodes.USAGE, r.exitCode());
    assertEquals("error: --ca-cert " + missing + ": no such file\n", r.err());

    CliRun.Result http = new CliRun(Map.of("DROVER_CA_CERT", ca.caPem().toString()), home)
        .run("nodes", "--server", "http://127.0.0.1:9");
    assertEquals(ExitCodes.USAGE, http.exitCode());
    assertEquals("error: DROVER_CA_CERT needs an https:// server URL, got http://127.0.0.1:9\n", http.err());
  }

  @Test
  void resolvingTheCaKeepsItsSource() throws Exception {
    Path config = home.resolve("cfg");
    Files.writeString(config, "url=https://h:8443\nca-cert=/etc/drover/ca.pem\n");
    Map<String, String> env = Map.of("DROVER_CONFIG", config.toString());
    assertEquals(new ClientConfig(URI.create("https://h:8443"), null, Path.of("/etc/drover/ca.pem"), "ca-cert of " + config),
        ClientConfig.resolve(null, null, null, env, home));
    assertEquals(new ClientConfig(URI.create("https://h:8443"), null, Path.of("/x.pem"), "--ca-cert"),
        ClientConfig.resolve(null, null, "/x.pem", Map.of("DROVER_CONFIG", config.toString(), "DROVER_CA_CERT", "/y.pem"), home));
    assertEquals(new ClientConfig(URI.create("https://h:8443"), null, Path.of("/y.pem"), "DROVER_CA_CERT"),
        ClientConfig.resolve(null, null, null, Map.of("DROVER_CONFIG", config.toString(), "DROVER_CA_CERT", "/y.pem"), home));
    CliException e = assertThrows(CliException.class,
        () -> ClientConfig.resolve(null, null, null, Map.of("DROVER_CONFIG", config.toString()), home).trust());
    assertEquals("ca-cert of " + config + " /etc/drover/ca.pem: no such file", e.getMessage());
    assertEquals(ExitCodes.USAGE, e.exitCode());
  }
}
