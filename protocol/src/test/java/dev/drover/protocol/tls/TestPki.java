package dev.drover.protocol.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A certificate authority for tests, made with the JDK's {@code keytool} (real processes, as an
 * operator would): the CA's key and self-signed certificate ({@code bc:c}), and server keystores
 * (PKCS12, key plus chain) signed by it for chosen names and validity. Shared with the other
 * modules' tests through this module's test jar.
 */
public final class TestPki {
  /** The password of every keystore made here. */
  public static final String PASSWORD = "drover-test-pw";
  private static final String KEYTOOL = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();

  private final Path dir;
  private final Path caKeystore;
  private final Path caPem;

  private TestPki(Path dir) {
    this.dir = dir;
    this.caKeystore = dir.resolve("ca.p12");
    this.caPem = dir.resolve("ca.pem");
  }

  /** A new CA named {@code CN=<name>} in {@code dir} (created), valid for a year. */
  public static TestPki create(Path dir, String name) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    TestPki pki = new TestPki(dir);
    keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
        "-ext", "bc:c", "-validity", "365", "-keystore", pki.caKeystore.toString(), "-storetype", "PKCS12",
        "-storepass", PASSWORD, "-keypass", PASSWORD);
    keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", pki.caKeystore.toString(), "-storepass", PASSWORD,
        "-file", pki.caPem.toString());
    return pki;
  }

  /** The CA's certificate, PEM: what a client is given with {@code --ca-cert}. */
  public Path caPem() {
    return caPem;
  }

  public Path dir() {
    return dir;
  }

  /** A server keystore for {@code localhost} and {@code 127.0.0.1}, valid from now for 30 days. */
  public Path serverKeystore(String name) throws IOException, InterruptedException {
    return serverKeystore(name, "dns:localhost,ip:127.0.0.1", null, 30);
  }

  /**
   * A PKCS12 keystore {@code <name>.p12} holding one private key entry ({@code server}) with its
   * certificate, issued by this CA, and the CA certificate after it in the chain.
   *
   * @param san keytool's SAN list, e.g. {@code dns:localhost,ip:127.0.0.1}
   * @param startDate keytool's {@code -startdate} (e.g. {@code -30d}, {@code +10d}), or null for now
   */
  public Path serverKeystore(String name, String san, String startDate, int validityDays) throws IOException, InterruptedException {
    Path keystore = dir.resolve(name + ".p12");
    Path csr = dir.resolve(name + ".csr");
    Path cert = dir.resolve(name + ".pem");
    Files.deleteIfExists(keystore);
    keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
        "-validity", "30", "-keystore", keystore.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD);
    keytool("-certreq", "-alias", "server", "-keystore", keystore.toString(), "-storepass", PASSWORD, "-file", csr.toString());
    List<String> gencert = new ArrayList<>(List.of("-gencert", "-alias", "ca", "-keystore", caKeystore.toString(),
        "-storepass", PASSWORD, "-infile", csr.toString(), "-outfile", cert.toString(), "-rfc", "-ext", "san=" + san,
        "-ext", "ku:c=digitalSignature", "-ext", "eku=serverAuth", "-validity", String.valueOf(validityDays)));
    if (startDate != null) {
      gencert.addAll(List.of("-startdate", startDate));
    }
    keytool(gencert.toArray(String[]::new));
    // keytool builds the chain of a reply from the certificates it trusts: the CA's, for a moment
    keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caPem.toString(), "-keystore", keystore.toString(),
        "-storepass", PASSWORD);
    keytool("-importcert", "-noprompt", "-alias", "server", "-file", cert.toString(), "-keystore", keystore.toString(),
        "-storepass", PASSWORD, "-keypass", PASSWORD);
    keytool("-delete", "-alias", "ca", "-keystore", keystore.toString(), "-storepass", PASSWORD);
    return keystore;
  }

  /** A PKCS12 keystore holding only this CA's certificate as a trusted entry: no private key. */
  public Path certificateOnlyKeystore(String name) throws IOException, InterruptedException {
    Path keystore = dir.resolve(name + ".p12");
    Files.deleteIfExists(keystore);
    keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caPem.toString(), "-keystore", keystore.toString(),
        "-storetype", "PKCS12", "-storepass", PASSWORD);
    return keystore;
  }

  /** A server-side TLS context with the key and chain of a keystore made here. */
  public static javax.net.ssl.SSLContext serverContext(Path keystore) throws IOException, java.security.GeneralSecurityException {
    java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
    try (java.io.InputStream in = Files.newInputStream(keystore)) {
      ks.load(in, PASSWORD.toCharArray());
    }
    javax.net.ssl.KeyManagerFactory kmf =
        javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, PASSWORD.toCharArray());
    javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    return ctx;
  }

  /** A file holding {@link #PASSWORD} and a newline, as an operator would write it. */
  public Path passwordFile() throws IOException {
    Path f = dir.resolve("keystore-password");
    Files.writeString(f, PASSWORD + "\n", StandardCharsets.UTF_8);
    return f;
  }

  /** Runs keytool; fails with its output when it does not exit 0. */
  public static void keytool(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(KEYTOOL, "-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("keytool did not finish: " + cmd);
    }
    if (p.exitValue() != 0) {
      throw new IOException("keytool " + String.join(" ", args) + " exited " + p.exitValue() + ": "
          + new String(out, StandardCharsets.UTF_8));
    }
  }
}
