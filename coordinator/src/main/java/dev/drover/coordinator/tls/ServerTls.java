package dev.drover.coordinator.tls;

import dev.drover.protocol.tls.CertificateNames;
import dev.drover.protocol.tls.PemCertificates;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.HttpsConnectionContext;

/**
 * The coordinator's TLS server side, loaded and checked once at start: the keystore opens with its
 * password, holds exactly one private key with a certificate chain, and the certificate is valid
 * now. Anything else is refused with one line naming the flag or setting and the file.
 */
public final class ServerTls {
  /** Offered protocol versions, newest first; older ones are never negotiated. */
  public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
  public static final String PASSWORD_ENV = "DROVER_TLS_KEYSTORE_PASSWORD";
  /** A certificate that expires sooner than this is warned about at every start. */
  public static final Duration EXPIRY_WARNING = Duration.ofDays(30);

  private final SSLContext context;
  private final String[] protocols;
  private final String alias;
  private final List<X509Certificate> chain;

  private ServerTls(SSLContext context, String[] protocols, String alias, List<X509Certificate> chain) {
    this.context = context;
    this.protocols = protocols;
    this.alias = alias;
    this.chain = chain;
  }

  /** How the user named the keystore and its password file, so messages say which flag or setting to fix. */
  public record Labels(String keystore, String passwordFile) {
    public static final Labels CONFIG = new Labels("drover.http.tls.keystore", "drover.http.tls.keystore-password-file");
  }

  /**
   * Loads and checks the keystore of enabled settings.
   *
   * @param env where {@value #PASSWORD_ENV} is looked up when no password file is configured
   * @param now the time the certificate must be valid at
   * @throws InvalidTlsException one line saying what is wrong
   */
  public static ServerTls load(TlsSettings settings, Labels labels, Map<String, String> env, Instant now) {
    Path file = settings.keystore().orElseThrow(() -> new IllegalArgumentException("TLS is off: no keystore"));
    String where = labels.keystore() + " " + file;
    if (!Files.exists(file)) {
      throw new InvalidTlsException(where + ": no such file");
    }
    if (!Files.isRegularFile(file)) {
      throw new InvalidTlsException(where + ": not a regular file");
    }
    char[] password = password(settings, labels, env, where);
    String passwordSource = settings.passwordFile().map(p -> labels.passwordFile() + " " + p).orElse(PASSWORD_ENV);
    String type = settings.effectiveType();
    KeyStore ks;
    try (InputStream in = Files.newInputStream(file)) {
      ks = KeyStore.getInstance(type);
      ks.load(in, password);
    } catch (AccessDeniedException e) {
      throw new InvalidTlsException(where + ": cannot read it (permission denied)");
    } catch (IOException e) {
      if (e.getCause() instanceof UnrecoverableKeyException) {
        throw new InvalidTlsException(where + ": wrong password (from " + passwordSource + ")");
      }
      throw new InvalidTlsException(where + ": not a readable " + type + " keystore (" + e.getMessage() + ")");
    } catch (GeneralSecurityException e) {
      throw new InvalidTlsException(where + ": cannot load it as " + type + " (" + e.getMessage() + ")");
    }
    try {
      List<String> keys = new ArrayList<>();
      List<String> others = new ArrayList<>();
      for (String a : Collections.list(ks.aliases())) {
        (ks.isKeyEntry(a) ? keys : others).add(a);
      }
      if (keys.isEmpty()) {
        throw new InvalidTlsException(where + ": holds no private key entry"
            + (others.isEmpty() ? "" : " (only trusted certificates: " + String.join(", ", others) + ")")
            + "; import the server's key and certificate chain");
      }
      if (keys.size() > 1) {
        throw new InvalidTlsException(where + ": holds " + keys.size() + " private keys (" + String.join(", ", keys)
            + "); the coordinator serves one: keep only the server's");
      }
      String alias = keys.get(0);
      Key key;
      try {
        key = ks.getKey(alias, password);
      } catch (UnrecoverableKeyException e) {
        throw new InvalidTlsException(where + ": the private key '" + alias + "' has another password than the keystore; "
            + "use the keystore's password for the key too");
      }
      if (!(key instanceof PrivateKey)) {
        throw new InvalidTlsException(where + ": entry '" + alias + "' is a secret key, not a private key");
      }
      Certificate[] certs = ks.getCertificateChain(alias);
      if (certs == null || certs.length == 0 || !(certs[0] instanceof X509Certificate)) {
        throw new InvalidTlsException(where + ": the private key '" + alias + "' has no X.509 certificate chain");
      }
      List<X509Certificate> chain = new ArrayList<>();
      for (Certificate c : certs) {
        chain.add((X509Certificate) c);
      }
      X509Certificate leaf = chain.get(0);
      if (now.isAfter(leaf.getNotAfter().toInstant())) {
        throw new InvalidTlsException(where + ": the server certificate (" + leaf.getSubjectX500Principal().getName()
            + ") expired on " + leaf.getNotAfter().toInstant().truncatedTo(ChronoUnit.SECONDS));
      }
      if (now.isBefore(leaf.getNotBefore().toInstant())) {
        throw new InvalidTlsException(where + ": the server certificate (" + leaf.getSubjectX500Principal().getName()
            + ") is not valid before " + leaf.getNotBefore().toInstant().truncatedTo(ChronoUnit.SECONDS));
      }
      KeyStore only = KeyStore.getInstance("PKCS12");
      only.load(null, null);
      only.setKeyEntry(alias, key, password, certs);
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(only, password);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), null, null);
      List<String> supported = List.of(ctx.getSupportedSSLParameters().getProtocols());
      String[] protocols = PROTOCOLS.stream().filter(supported::contains).toArray(String[]::new);
      if (protocols.length == 0) {
        throw new InvalidTlsException("this JVM supports neither TLSv1.3 nor TLSv1.2");
      }
      return new ServerTls(ctx, protocols, alias, List.copyOf(chain));
    } catch (GeneralSecurityException | IOException e) {
      throw new InvalidTlsException(where + ": " + e.getMessage());
    } finally {
      java.util.Arrays.fill(password, '\0');
    }
  }

  private static char[] password(TlsSettings settings, Labels labels, Map<String, String> env, String where) {
    if (settings.passwordFile().isPresent()) {
      Path f = settings.passwordFile().get();
      String pw;
      try {
        pw = Files.readString(f, StandardCharsets.UTF_8);
      } catch (NoSuchFileException e) {
        throw new InvalidTlsException(labels.passwordFile() + " " + f + ": no such file");
      } catch (AccessDeniedException e) {
        throw new InvalidTlsException(labels.passwordFile() + " " + f + ": cannot read it (permission denied)");
      } catch (IOException e) {
        throw new InvalidTlsException(labels.passwordFile() + " " + f + ": cannot read it (" + e.getMessage() + ")");
      }
      // the line end an editor or `echo` leaves is not part of the password
      pw = pw.replaceAll("[\r\n]+$", "");
      if (pw.isEmpty()) {
        throw new InvalidTlsException(labels.passwordFile() + " " + f + ": is empty");
      }
      return pw.toCharArray();
    }
    String pw = env.get(PASSWORD_ENV);
    if (pw == null || pw.isEmpty()) {
      throw new InvalidTlsException(where + ": needs its password: --tls-keystore-password-file FILE (or "
          + "drover.http.tls.keystore-password-file) or env " + PASSWORD_ENV);
    }
    return pw.toCharArray();
  }

  /**
   * Checks that the CA clients are told to trust ({@code --tls-ca-cert}) certifies this server's
   * certificate, so a client configuration written with it works.
   *
   * @throws InvalidTlsException naming both files when it does not
   */
  public void checkIssuedBy(Path caPem, String label, String keystoreLabel) {
    List<X509Certificate> cas = PemCertificates.read(caPem, label);
    try {
      Set<TrustAnchor> anchors = new HashSet<>();
      for (X509Certificate ca : cas) {
        anchors.add(new TrustAnchor(ca, null));
      }
      List<X509Certificate> path = new ArrayList<>();
      for (X509Certificate c : chain) {
        if (cas.contains(c)) {
          break;
        }
        path.add(c);
      }
      if (path.isEmpty()) {
        return; // the server's own certificate is the anchor (a self-signed certificate handed to clients)
      }
      PKIXParameters params = new PKIXParameters(anchors);
      params.setRevocationEnabled(false);
      java.security.cert.CertPathValidator.getInstance("PKIX")
          .validate(CertificateFactory.getInstance("X.509").generateCertPath(path), params);
    } catch (GeneralSecurityException e) {
      throw new InvalidTlsException(label + " " + caPem + " does not certify the server certificate in " + keystoreLabel
          + " (" + e.getMessage() + "): clients given it would refuse the coordinator");
    }
  }

  /** For Pekko HTTP's {@code enableHttps}: a server engine per connection, TLSv1.3 and TLSv1.2 only. */
  public HttpsConnectionContext connectionContext() {
    return ConnectionContext.httpsServer(() -> {
      SSLEngine engine = context.createSSLEngine();
      engine.setUseClientMode(false);
      engine.setEnabledProtocols(protocols);
      return engine;
    });
  }

  public SSLContext sslContext() {
    return context;
  }

  public List<String> protocols() {
    return List.of(protocols);
  }

  /** The server's certificate (first of the chain). */
  public X509Certificate certificate() {
    return chain.get(0);
  }

  public List<X509Certificate> chain() {
    return chain;
  }

  /** Whether the certificate expires within {@link #EXPIRY_WARNING} of {@code now}. */
  public boolean expiresSoon(Instant now) {
    return certificate().getNotAfter().toInstant().isBefore(now.plus(EXPIRY_WARNING));
  }

  /** One line for the start log: subject, names, issuer, expiry. */
  public String describe(Instant now) {
    X509Certificate c = certificate();
    Instant notAfter = c.getNotAfter().toInstant();
    long days = Duration.between(now, notAfter).toDays();
    return "certificate '" + alias + "' subject " + c.getSubjectX500Principal().getName() + ", names "
        + String.join(", ", CertificateNames.of(c)) + ", issuer " + c.getIssuerX500Principal().getName() + ", expires "
        + notAfter.truncatedTo(ChronoUnit.SECONDS) + " (in " + days + " days), chain of " + chain.size() + ", protocols "
        + String.join(", ", protocols);
  }
}
