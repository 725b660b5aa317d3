package dev.drover.protocol.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PEM loading and what a client is told about a refused server, against real HTTPS servers on loopback. */
class TlsTrustTest {
  @TempDir static Path tmp;
  static TestPki ca;
  static TestPki otherCa;
  static Path goodServer;
  private HttpServer server;

  @BeforeAll
  static void makeCertificates() throws Exception {
    ca = TestPki.create(tmp.resolve("ca"), "Drover Test CA");
    otherCa = TestPki.create(tmp.resolve("other"), "Unrelated CA");
    goodServer = ca.serverKeystore("server");
  }

  @AfterEach
  void stopServer() {
    if (server != null) {
      server.stop(0);
    }
  }

  @Test
  void readsEveryCertificateOfABundleWithTextAroundThem() throws Exception {
    Path bundle = tmp.resolve("bundle.pem");
    Files.writeString(bundle, "Bag Attributes\n    friendlyName: ca\n" + Files.readString(ca.caPem()) + "\nsome comment\n"
        + Files.readString(otherCa.caPem()));
    TlsTrust trust = TlsTrust.fromPem(bundle, "--ca-cert");
    assertEquals(2, trust.authorities().size());
    assertEquals("CN=Drover Test CA", trust.authorities().get(0).getSubjectX500Principal().getName());
    assertEquals("CN=Unrelated CA", trust.authorities().get(1).getSubjectX500Principal().getName());
    assertEquals("--ca-cert " + bundle, trust.source());
    assertEquals(Optional.of(bundle), trust.file());
  }

  @Test
  void refusesFilesThatAreNotPemCertificatesNamingTheOptionAndFile() throws Exception {
    Path missing = tmp.resolve("nope.pem");
    assertEquals("--ca-cert " + missing + ": no such file", refused(missing));
    Path empty = Files.writeString(tmp.resolve("empty.pem"), "");
    assertEquals("--ca-cert " + empty + ": not a PEM file (expected -----BEGIN CERTIFICATE----- blocks; the file is empty)",
        refused(empty));
    Path der = tmp.resolve("ca.der");
    TestPki.keytool("-exportcert", "-alias", "ca", "-keystore", ca.dir().resolve("ca.p12").toString(), "-storepass",
        TestPki.PASSWORD, "-file", der.toString());
    assertTrue(refused(der).startsWith("--ca-cert " + der + ": not a PEM file (expected -----BEGIN CERTIFICATE----- blocks; DER"),
        refused(der));
    Path key = Files.writeString(tmp.resolve("key.pem"), "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0w\n-----END PRIVATE KEY-----\n");
    assertEquals("--ca-cert " + key + ": holds no certificate, only PRIVATE KEY (expected -----BEGIN CERTIFICATE----- blocks)",
        refused(key));
    Path broken = Files.writeString(tmp.resolve("broken.pem"), "-----BEGIN CERTIFICATE-----\nTm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
    assertTrue(refused(broken).startsWith("--ca-cert " + broken + ": certificate 1 does not decode as X.509"), refused(broken));
    Path notBase64 = Files.writeString(tmp.resolve("b64.pem"), "-----BEGIN CERTIFICATE-----\n!!!***\n-----END CERTIFICATE-----\n");
    assertTrue(refused(notBase64).startsWith("--ca-cert " + notBase64 + ": certificate 1 is not valid base64"), refused(notBase64));
    assertEquals("DROVER_CA_CERT " + tmp + ": is a directory, not a PEM file",
        assertThrows(IllegalArgumentException.class, () -> TlsTrust.fromPem(tmp, "DROVER_CA_CERT")).getMessage());
  }

  private static String refused(Path file) {
    return assertThrows(IllegalArgumentException.class, () -> TlsTrust.fromPem(file, "--ca-cert")).getMessage();
  }

  @Test
  void theRightCaIsTrustedForTheNamesOfTheCertificate() throws Exception {
    int port = startHttps(goodServer);
    TlsTrust trust = TlsTrust.fromPem(ca.caPem(), "--ca-cert");
    assertEquals(200, get(trust, "https://127.0.0.1:" + port + "/").statusCode());
    assertEquals(200, get(trust, "https://localhost:" + port + "/").statusCode());
  }

  @Test
  void anUnrelatedCaOrTheJvmDefaultsRefuseTheServerAndSaySo() throws Exception {
    int port = startHttps(goodServer);
    TlsTrust wrong = TlsTrust.fromPem(otherCa.caPem(), "--ca-cert");
    String m = failure(wrong, "https://127.0.0.1:" + port + "/");
    assertTrue(m.startsWith("TLS: the server's certificate is not trusted by --ca-cert " + otherCa.caPem() + " (PKIX path"), m);
    String d = failure(TlsTrust.jvmDefault(), "https://127.0.0.1:" + port + "/");
    assertTrue(d.startsWith("TLS: the server's certificate is not trusted by the JVM's default trust store (PKIX path"), d);
  }

  @Test
  void aCertificateForOtherNamesIsRefusedNamingHostAndCertificateNames() throws Exception {
    int port = startHttps(ca.serverKeystore("elsewhere", "dns:elsewhere.example,ip:10.9.8.7", null, 30));
    TlsTrust trust = TlsTrust.fromPem(ca.caPem(), "--ca-cert");
    assertEquals("TLS: the server's certificate does not match host '127.0.0.1' (certificate names: DNS:elsewhere.example, "
        + "IP:10.9.8.7)", failure(trust, "https://127.0.0.1:" + port + "/"));
    assertEquals("TLS: the server's certificate does not match host 'localhost' (certificate names: DNS:elsewhere.example, "
        + "IP:10.9.8.7)", failure(trust, "https://localhost:" + port + "/"));
  }

  @Test
  void anExpiredOrNotYetValidCertificateIsSaidToBeSo() throws Exception {
    TlsTrust trust = TlsTrust.fromPem(ca.caPem(), "--ca-cert");
    int expired = startHttps(ca.serverKeystore("expired", "dns:localhost,ip:127.0.0.1", "-30d", 2));
    String m = failure(trust, "https://127.0.0.1:" + expired + "/");
    assertTrue(m.matches("TLS: the server's certificate has expired \\(expired on \\d{4}-\\d\\d-\\d\\d; names: DNS:localhost, "
        + "IP:127\\.0\\.0\\.1\\)"), m);
    server.stop(0);
    int early = startHttps(ca.serverKeystore("early", "dns:localhost,ip:127.0.0.1", "+10d", 30));
    String e = failure(trust, "https://127.0.0.1:" + early + "/");
    assertTrue(e.startsWith("TLS: the server's certificate is not valid yet (not valid before "), e);
  }

  @Test
  void plainHttpAndNoServerAtAll() throws Exception {
    // what a plain HTTP server does with a TLS ClientHello: answers 400 in clear text and closes
    try (ServerSocket plain = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      Thread t = new Thread(() -> {
        try (var s = plain.accept()) {
          s.getInputStream().read(new byte[512]);
          s.getOutputStream().write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
        } catch (IOException ignored) {
          // the test sees the client's side
        }
      });
      t.setDaemon(true);
      t.start();
      TlsTrust trust = TlsTrust.fromPem(ca.caPem(), "--ca-cert");
      String m = failure(trust, "https://127.0.0.1:" + plain.getLocalPort() + "/");
      assertTrue(m.startsWith("TLS: handshake with the server at https://127.0.0.1:") && m.endsWith(
          "(does it serve plain HTTP? then use http:// or ws://)"), m);
    }
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    TlsTrust trust = TlsTrust.fromPem(ca.caPem(), "--ca-cert");
    IOException refused = assertThrows(IOException.class, () -> get(trust, "https://127.0.0.1:" + closed + "/"));
    assertEquals(Optional.empty(), trust.explain(refused, "the server's certificate", "the server"), "not a TLS failure");
  }

  private static HttpResponse<String> get(TlsTrust trust, String url) throws IOException, InterruptedException {
    HttpClient client = HttpClient.newBuilder().sslContext(trust.sslContext()).connectTimeout(Duration.ofSeconds(5)).build();
    return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String failure(TlsTrust trust, String url) {
    IOException e = assertThrows(IOException.class, () -> get(trust, url));
    return trust.explain(e, "the server's certificate", "the server at " + url).orElseThrow(() -> new AssertionError("not explained", e));
  }

  private int startHttps(Path keystore) throws Exception {
    SSLContext ctx = TestPki.serverContext(keystore);
    HttpsServer https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    https.setHttpsConfigurator(new HttpsConfigurator(ctx));
    https.createContext("/", ex -> {
      byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    https.start();
    server = https;
    return https.getAddress().getPort();
  }

  @Test
  void certificateNamesListSansOrTheCommonName() throws Exception {
    TlsTrust trust = TlsTrust.fromPem(ca.caPem(), "--ca-cert");
    assertEquals(List.of("CN:Drover Test CA"), CertificateNames.of(trust.authorities().get(0)));
  }
}
