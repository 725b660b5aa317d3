package dev.drover.coordinator.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drover.cli.DroverCli;
import dev.drover.protocol.tls.TestPki;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A coordinator serving HTTPS and WSS only, with a keystore signed by a test CA (keytool): agents
 * given the CA join over wss:// and run a job submitted through the CLI over https://; an agent
 * given an unrelated CA never registers and says why; plain HTTP gets nothing; bad keystores stop
 * the start with one line and exit code 2.
 */
class TlsTest {
  private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
  @TempDir static Path pki;
  static TestPki ca;
  static TestPki otherCa;
  static Path keystore;
  static Path password;
  @TempDir Path tmp;
  private DroverCluster cluster;

  @BeforeAll
  static void certificates() throws Exception {
    ca = TestPki.create(pki.resolve("ca"), "Drover Test CA");
    otherCa = TestPki.create(pki.resolve("other"), "Unrelated CA");
    keystore = ca.serverKeystore("coordinator");
    password = ca.passwordFile();
  }

  @AfterEach
  void stop() throws Exception {
    if (cluster != null) cluster.close();
  }

  private record Run(int code, String out, String err) {}

  private Run cli(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    DroverCli cli = new DroverCli(env, tmp.resolve("home"), new ByteArrayInputStream(new byte[0]), Clock.systemUTC());
    int code = DroverCli.commandLine(cli, new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void agentsWithTheCaJoinOverWssAndRunAJobSubmittedOverHttpsWhileAnUntrustingAgentNeverRegisters() throws Exception {
    Path clientConfig = tmp.resolve("client/config");
    cluster = new DroverCluster(tmp.resolve("cluster"), Duration.ofSeconds(10))
        .withTls(new DroverCluster.Tls(keystore, password, ca.caPem()))
        .withCoordinatorArgs("--write-client-config", clientConfig.toString(), "--tls-ca-cert", ca.caPem().toString());
    cluster.startCoordinator();
    String url = cluster.url();
    assertTrue(url.startsWith("https://127.0.0.1:"), url);

    String log = cluster.coordinatorLog(0);
    assertTrue(log.contains("drover: API " + url), log);
    assertTrue(log.contains("TLS: the API port serves HTTPS and WSS only, certificate 'server' subject CN=coordinator, names "
        + "DNS:localhost, IP:127.0.0.1, issuer CN=Drover Test CA, expires "), log);
    assertTrue(log.contains("protocols TLSv1.3, TLSv1.2"), log);
    assertTrue(log.matches("(?s).*WARN .* TLS: the server certificate expires in 29 days \\(on \\S+\\): put a renewed one in "
        + "the keystore and restart the coordinator.*"), "a certificate valid for 30 days more is warned about:\n" + log);
    String written = Files.readString(clientConfig);
    assertTrue(written.contains("\nurl=" + url + "\n") && written.contains("\nca-cert=" + ca.caPem().toAbsolutePath() + "\n"),
        written);

    cluster.startAgent(0, "trusting", 8, Map.of(), "--ca-cert", ca.caPem().toString());
    cluster.startAgent(0, "untrusting", 8, Map.of("DROVER_CA_CERT", otherCa.caPem().toString()));
    cluster.awaitNodesReady("trusting");
    DroverCluster.waitUntil(Duration.ofSeconds(10), "the trusting agent welcomed over wss://", () -> cluster.agentLog("trusting")
        .contains("Welcomed by coordinator wss://127.0.0.1:" + cluster.port + "/agent/v1/stream"));
    String refusal = "TLS: the certificate of coordinator wss://127.0.0.1:" + cluster.port + "/agent/v1/stream is not trusted by "
        + "DROVER_CA_CERT " + otherCa.caPem() + " (PKIX path building failed: ";
    DroverCluster.waitUntil(Duration.ofSeconds(30), "the untrusting agent's TLS report",
        () -> cluster.agentLog("untrusting").contains(refusal));

    // the CLI, configured by the file the coordinator wrote: https:// and the CA
    Map<String, String> env = Map.of("DROVER_CONFIG", clientConfig.toString());
    Run submit = cli(env, "submit", "-f", repoRoot().resolve("examples/hello.yaml").toString());
    assertEquals(0, submit.code(), submit.err());
    Matcher m = Pattern.compile("(j-[0-9a-f]{16})").matcher(submit.out());
    assertTrue(m.find(), submit.out());
    String id = m.group(1);
    cluster.awaitState(id, "SUCCEEDED", Duration.ofSeconds(60));
    Run logs = cli(env, "logs", id, "-r", "1");
    assertEquals(0, logs.code(), logs.err());
    assertTrue(logs.out().contains("rank=1/2") && logs.out().contains("node=trusting"), logs.out());
    Run nodes = cli(env, "nodes");
    assertTrue(nodes.out().contains("trusting") && !nodes.out().contains("untrusting"), "never registered:\n" + nodes.out());
    assertTrue(cluster.coordinatorProcess(0).isAlive());
    assertTrue(cluster.agentLog("untrusting").lines().filter(l -> l.contains("TLS: the certificate")).count() <= 2,
        "reported once a minute at most:\n" + cluster.agentLog("untrusting"));

    // the CLI without the CA, or with the wrong one, is told why
    Run noCa = cli(Map.of("DROVER_URL", url, "DROVER_TOKEN", cluster.token()), "nodes");
    assertEquals(1, noCa.code());
    assertTrue(noCa.err().startsWith("error: TLS: the server's certificate is not trusted by the JVM's default trust store"),
        noCa.err());
    Run wrongCa = cli(env, "nodes", "--ca-cert", otherCa.caPem().toString());
    assertTrue(wrongCa.err().startsWith("error: TLS: the server's certificate is not trusted by --ca-cert " + otherCa.caPem()),
        wrongCa.err());

    Run plainCli = cli(Map.of("DROVER_URL", "http://127.0.0.1:" + cluster.port, "DROVER_TOKEN", cluster.token()), "nodes");
    assertEquals(1, plainCli.code());
    assertTrue(plainCli.err().startsWith("error: lost the connection to the Drover server at http://127.0.0.1:" + cluster.port)
        && plainCli.err().contains("(does the server take HTTPS only? then use https:// and --ca-cert)"), plainCli.err());

    // the web UI and /metrics are on the same HTTPS port
    assertEquals(200, cluster.request("GET", "/", null, null, Map.of()).status());
    assertTrue(cluster.request("GET", "/metrics", null, null, Map.of()).text().contains("drover_"));

    // plain HTTP to the HTTPS port gets no answer
    HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    assertThrows(IOException.class, () -> plain.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.port + "/readyz")).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString()));

    // TLS 1.2 is still offered; TLS 1.3 is the default
    try (SSLSocket s = (SSLSocket) dev.drover.protocol.tls.TlsTrust.fromPem(ca.caPem(), "--ca-cert").sslContext()
        .getSocketFactory().createSocket("127.0.0.1", cluster.port)) {
      s.setEnabledProtocols(new String[] {"TLSv1.2"});
      s.startHandshake();
      assertEquals("TLSv1.2", s.getSession().getProtocol());
    }
    try (SSLSocket s = (SSLSocket) dev.drover.protocol.tls.TlsTrust.fromPem(ca.caPem(), "--ca-cert").sslContext()
        .getSocketFactory().createSocket("127.0.0.1", cluster.port)) {
      s.startHandshake();
      assertEquals("TLSv1.3", s.getSession().getProtocol());
    }
  }

  @Test
  void aKeystoreThatCannotServeStopsTheStartWithOneLineAndExitCodeTwo() throws Exception {
    Path wrongPassword = Files.writeString(tmp.resolve("wrong-password"), "not-it\n");
    Path missing = tmp.resolve("missing.p12");
    assertEquals("drover-coordinator: --tls-keystore " + keystore + ": wrong password (from --tls-keystore-password-file "
        + wrongPassword + ")", refusal(Map.of(), "--tls-keystore", keystore.toString(), "--tls-keystore-password-file",
        wrongPassword.toString()));
    assertEquals("drover-coordinator: --tls-keystore " + keystore + ": wrong password (from DROVER_TLS_KEYSTORE_PASSWORD)",
        refusal(Map.of("DROVER_TLS_KEYSTORE_PASSWORD", "not-it"), "--tls-keystore", keystore.toString()));
    assertEquals("drover-coordinator: --tls-keystore " + missing + ": no such file",
        refusal(Map.of(), "--tls-keystore", missing.toString(), "--tls-keystore-password-file", password.toString()));
    assertEquals("drover-coordinator: --tls-keystore-password-file " + tmp.resolve("nope") + ": no such file",
        refusal(Map.of(), "--tls-keystore", keystore.toString(), "--tls-keystore-password-file", tmp.resolve("nope").toString()));
    String wrongCa = refusal(Map.of(), "--tls-keystore", keystore.toString(), "--tls-keystore-password-file", password.toString(),
        "--tls-ca-cert", otherCa.caPem().toString());
    assertTrue(wrongCa.startsWith("drover-coordinator: --tls-ca-cert " + otherCa.caPem() + " does not certify the server "
        + "certificate in --tls-keystore ("), wrongCa);
  }

  /** Starts a coordinator that must refuse to start: exit code 2 and exactly one line on stderr, returned. */
  private String refusal(Map<String, String> env, String... tlsArgs) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(JAVA, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"), "dev.drover.coordinator.Main", "--port", String.valueOf(DroverCluster.freePort()),
        "--data-dir", tmp.resolve("data").toString()));
    cmd.addAll(List.of(tlsArgs));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putAll(env);
    pb.redirectOutput(tmp.resolve("refusal.out").toFile());
    pb.redirectError(tmp.resolve("refusal.err").toFile());
    Process p = pb.start();
    try {
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the coordinator did not stop");
    } finally {
      p.destroyForcibly();
    }
    String err = Files.readString(tmp.resolve("refusal.err"), StandardCharsets.UTF_8);
    assertEquals(2, p.exitValue(), err + Files.readString(tmp.resolve("refusal.out")));
    assertEquals(1, err.lines().count(), err);
    assertFalse(Files.exists(tmp.resolve("data/tokens.json")), "nothing was started");
    return err.strip();
  }

  private static Path repoRoot() {
    String prop = System.getProperty("drover.root");
    Path p = prop != null ? Path.of(prop) : Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("examples"))) p = p.getParent();
    if (p == null) throw new IllegalStateException("cannot find the repository root (examples/)");
    return p;
  }

}
