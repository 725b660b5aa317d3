package dev.drover.coordinator.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.drover.protocol.tls.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading and checking the coordinator's keystore: every refusal is one line naming the flag and file. */
class ServerTlsTest {
  private static final ServerTls.Labels FLAGS = new ServerTls.Labels("--tls-keystore", "--tls-keystore-password-file");
  @TempDir static Path tmp;
  static TestPki ca;
  static Path good;
  static Path password;

  @BeforeAll
  static void makeCertificates() throws Exception {
    ca = TestPki.create(tmp.resolve("ca"), "Drover Test CA");
    good = ca.serverKeystore("server", "dns:localhost,ip:127.0.0.1", null, 90);
    password = ca.passwordFile();
  }

  private static TlsSettings settings(Path keystore, Path passwordFile) {
    return new TlsSettings(Optional.of(keystore), Optional.ofNullable(passwordFile), "");
  }

  private static String refused(TlsSettings s, Map<String, String> env) {
    return assertThrows(InvalidTlsException.class, () -> ServerTls.load(s, FLAGS, env, Instant.now())).getMessage();
  }

  @Test
  void loadsTheKeyAndChainAndDescribesTheCertificate() {
    Instant now = Instant.now();
    ServerTls tls = ServerTls.load(settings(good, password), FLAGS, Map.of(), now);
    assertEquals(List.of("TLSv1.3", "TLSv1.2"), tls.protocols());
    assertEquals(2, tls.chain().size(), "server certificate and the CA's");
    String d = tls.describe(now);
    assertTrue(d.startsWith("certificate 'server' subject CN=server, names DNS:localhost, IP:127.0.0.1, issuer CN=Drover Test CA, "
        + "expires "), d);
    assertTrue(d.contains("(in 89 days)") || d.contains("(in 90 days)"), d);
    assertFalse(tls.expiresSoon(now));
    assertTrue(tls.expiresSoon(now.plus(Duration.ofDays(61))), "30 days before the end it is warned about");
    // the password may come from the environment instead of a file
    ServerTls.load(settings(good, null), FLAGS, Map.of(ServerTls.PASSWORD_ENV, TestPki.PASSWORD), now);
  }

  @Test
  void refusesAMissingOrUnreadableKeystoreOrPassword() throws Exception {
    Path missing = tmp.resolve("missing.p12");
    assertEquals("--tls-keystore " + missing + ": no such file", refused(settings(missing, password), Map.of()));
    assertEquals("--tls-keystore " + tmp + ": not a regular file", refused(settings(tmp, password), Map.of()));
    Path noPasswordFile = tmp.resolve("no-such-password");
    assertEquals("--tls-keystore-password-file " + noPasswordFile + ": no such file",
        refused(settings(good, noPasswordFile), Map.of()));
    Path empty = Files.writeString(tmp.resolve("empty-password"), "\n");
    assertEquals("--tls-keystore-password-file " + empty + ": is empty", refused(settings(good, empty), Map.of()));
    assertEquals("--tls-keystore " + good + ": needs its password: --tls-keystore-password-file FILE (or "
        + "drover.http.tls.keystore-password-file) or env DROVER_TLS_KEYSTORE_PASSWORD", refused(settings(good, null), Map.of()));
    Path wrong = Files.writeString(tmp.resolve("wrong-password"), "not-the-password\n");
    assertEquals("--tls-keystore " + good + ": wrong password (from --tls-keystore-password-file " + wrong + ")",
        refused(settings(good, wrong), Map.of()));
    assertEquals("--tls-keystore " + good + ": wrong password (from DROVER_TLS_KEYSTORE_PASSWORD)",
        refused(settings(good, null), Map.of(ServerTls.PASSWORD_ENV, "nope")));
    Path text = Files.writeString(tmp.resolve("text.p12"), "this is no keystore\n");
    assertTrue(refused(settings(text, password), Map.of()).startsWith("--tls-keystore " + text + ": not a readable PKCS12 keystore ("));
  }

  @Test
  void refusesAKeystoreWithoutAPrivateKey() throws Exception {
    Path certOnly = ca.certificateOnlyKeystore("trust-only");
    assertEquals("--tls-keystore " + certOnly + ": holds no private key entry (only trusted certificates: ca); import the "
        + "server's key and certificate chain", refused(settings(certOnly, password), Map.of()));
  }

  @Test
  void refusesAnExpiredOrNotYetValidCertificate() throws Exception {
    Path expired = ca.serverKeystore("expired", "dns:localhost", "-30d", 2);
    String e = refused(settings(expired, password), Map.of());
    assertTrue(e.matches("--tls-keystore \\S+expired\\.p12: the server certificate \\(CN=expired\\) expired on \\d{4}-.*Z"), e);
    Path early = ca.serverKeystore("early", "dns:localhost", "+10d", 30);
    String n = refused(settings(early, password), Map.of());
    assertTrue(n.matches("--tls-keystore \\S+early\\.p12: the server certificate \\(CN=early\\) is not valid before \\d{4}-.*Z"), n);
  }

  @Test
  void theKeystoreTypeComesFromTheExtensionUnlessSet() throws Exception {
    Path jks = tmp.resolve("server.jks");
    TestPki.keytool("-importkeystore", "-srckeystore", good.toString(), "-srcstoretype", "PKCS12", "-srcstorepass",
        TestPki.PASSWORD, "-destkeystore", jks.toString(), "-deststoretype", "JKS", "-deststorepass", TestPki.PASSWORD,
        "-destkeypass", TestPki.PASSWORD, "-noprompt");
    TlsSettings byExtension = settings(jks, password);
    assertEquals("JKS", byExtension.effectiveType());
    assertEquals(2, ServerTls.load(byExtension, FLAGS, Map.of(), Instant.now()).chain().size());
    assertEquals("PKCS12", settings(tmp.resolve("a.pfx"), null).effectiveType());
    assertEquals("PKCS12", settings(tmp.resolve("server.keystore"), null).effectiveType());
    assertEquals("JKS", new TlsSettings(Optional.of(good), Optional.empty(), "jks").effectiveType());
  }

  @Test
  void configurationKeysAndTheirProblems() {
    TlsSettings off = TlsSettings.from(ConfigFactory.parseString("keystore = \"\", keystore-password-file = \"\", keystore-type = \"\""));
    assertEquals(TlsSettings.OFF, off);
    assertFalse(off.enabled());
    TlsSettings on = TlsSettings.from(ConfigFactory.parseString(
        "keystore = /etc/drover/tls/server.p12, keystore-password-file = /etc/drover/tls/password, keystore-type = \"\""));
    assertEquals(new TlsSettings(Optional.of(Path.of("/etc/drover/tls/server.p12")), Optional.of(Path.of("/etc/drover/tls/password")), ""), on);
    assertTrue(on.enabled());
    assertEquals(List.of(), on.problems());
    assertEquals(List.of("drover.http.tls.keystore-type 'XYZ' is not a keystore type this JVM reads (use PKCS12 or JKS)"),
        new TlsSettings(Optional.of(good), Optional.empty(), "XYZ").problems());
    assertEquals(List.of("drover.http.tls.keystore-password-file is set but drover.http.tls.keystore is not"),
        new TlsSettings(Optional.empty(), Optional.of(password), "").problems());
    // the shipped defaults: TLS off
    assertEquals(TlsSettings.OFF, TlsSettings.from(ConfigFactory.load().getConfig("drover.http.tls")));
  }

  @Test
  void theClientsCaMustCertifyTheServerCertificate() throws Exception {
    ServerTls tls = ServerTls.load(settings(good, password), FLAGS, Map.of(), Instant.now());
    tls.checkIssuedBy(ca.caPem(), "--tls-ca-cert", "--tls-keystore");
    TestPki other = TestPki.create(tmp.resolve("other"), "Unrelated CA");
    String m = assertThrows(InvalidTlsException.class, () -> tls.checkIssuedBy(other.caPem(), "--tls-ca-cert", "--tls-keystore"))
        .getMessage();
    assertTrue(m.startsWith("--tls-ca-cert " + other.caPem() + " does not certify the server certificate in --tls-keystore ("), m);
    assertTrue(m.endsWith("): clients given it would refuse the coordinator"), m);
    Path notPem = Files.writeString(tmp.resolve("not.pem"), "hello\n");
    String p = assertThrows(IllegalArgumentException.class, () -> tls.checkIssuedBy(notPem, "--tls-ca-cert", "--tls-keystore"))
        .getMessage();
    assertTrue(p.startsWith("--tls-ca-cert " + notPem + ": not a PEM file"), p);
  }
}
