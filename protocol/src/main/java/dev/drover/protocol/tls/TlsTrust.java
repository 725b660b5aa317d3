package dev.drover.protocol.tls;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Which certificate authorities a client of the coordinator (agent, CLI, load generator) trusts for
 * https:// and wss://: only the CAs of a PEM file ({@code --ca-cert}), or the JVM's default trust
 * store. Host names are verified either way (java.net.http does so). A refused handshake is
 * {@linkplain #explain explained} in one line that says what to fix.
 */
public final class TlsTrust {
  private static final String JVM_DEFAULT = "the JVM's default trust store";

  private final SSLContext context;
  private final String source;
  private final Path file;
  private final List<X509Certificate> authorities;

  private TlsTrust(SSLContext context, String source, Path file, List<X509Certificate> authorities) {
    this.context = context;
    this.source = source;
    this.file = file;
    this.authorities = authorities;
  }

  /** Trust as the JVM has it ({@code cacerts}, or {@code -Djavax.net.ssl.trustStore}); made once per JVM. */
  public static TlsTrust jvmDefault() {
    return JvmDefault.TRUST;
  }

  /** Loaded on first use: most agents and CLI runs never open a TLS connection. */
  private static final class JvmDefault {
    static final TlsTrust TRUST = new TlsTrust(context(null), JVM_DEFAULT, null, List.of());
  }

  /**
   * Trust in exactly the certificates of a PEM file (CA certificates, or a server's own self-signed
   * certificate).
   *
   * @param label how the user gave the file ({@code --ca-cert}, {@code DROVER_CA_CERT}, ...): messages name it
   * @throws IllegalArgumentException one readable line: file missing, unreadable, not PEM, no certificate
   */
  public static TlsTrust fromPem(Path pem, String label) {
    List<X509Certificate> certificates = PemCertificates.read(pem, label);
    KeyStore anchors;
    try {
      anchors = KeyStore.getInstance(KeyStore.getDefaultType());
      anchors.load(null, null);
      for (int i = 0; i < certificates.size(); i++) {
        anchors.setCertificateEntry("ca-" + i, certificates.get(i));
      }
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalStateException("cannot build a trust store in memory: " + e, e);
    }
    return new TlsTrust(context(anchors), label + " " + pem, pem, certificates);
  }

  private static SSLContext context(KeyStore anchors) {
    try {
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(anchors);
      X509ExtendedTrustManager pkix = null;
      for (TrustManager tm : tmf.getTrustManagers()) {
        if (tm instanceof X509ExtendedTrustManager x) {
          pkix = x;
        }
      }
      if (pkix == null) {
        throw new IllegalStateException("the JVM's trust manager factory made no X509ExtendedTrustManager");
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, new TrustManager[] {new ExplainingTrustManager(pkix)}, null);
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot set up TLS: " + e, e);
    }
  }

  /** The context to give an HttpClient ({@code HttpClient.Builder.sslContext}). */
  public SSLContext sslContext() {
    return context;
  }

  /** What is trusted, as messages say it: {@code --ca-cert /etc/drover/ca.pem} or the JVM's default trust store. */
  public String source() {
    return source;
  }

  /** The PEM file, if trust comes from one. */
  public Optional<Path> file() {
    return Optional.ofNullable(file);
  }

  /** The certificates of the PEM file; empty for the JVM's default trust store. */
  public List<X509Certificate> authorities() {
    return authorities;
  }

  /**
   * One line saying why a connection failed in TLS, or empty when the failure had nothing to do with
   * TLS (refused, timed out, unknown host).
   *
   * @param certificateOf whose certificate, as the message should name it, e.g. {@code the certificate of coordinator wss://h:8443/agent/v1/stream}
   * @param peer the other side, for failures that are not about its certificate, e.g. {@code coordinator wss://h:8443/agent/v1/stream}
   */
  public Optional<String> explain(Throwable failure, String certificateOf, String peer) {
    CertificateRejectedException rejected = find(failure, CertificateRejectedException.class);
    if (rejected != null) {
      return Optional.of(switch (rejected.reason) {
        case UNTRUSTED -> "TLS: " + certificateOf + " is not trusted by " + source + " (" + rejected.detail + ")";
        case EXPIRED -> "TLS: " + certificateOf + " has expired (" + rejected.detail + "; names: " + names(rejected) + ")";
        case NOT_YET_VALID -> "TLS: " + certificateOf + " is not valid yet (" + rejected.detail + "; names: " + names(rejected)
            + "): check the clocks";
        case NAME_MISMATCH -> "TLS: " + certificateOf + " does not match host '" + rejected.host + "' (certificate names: "
            + names(rejected) + ")";
      });
    }
    SSLException ssl = find(failure, SSLException.class);
    if (ssl == null) {
      return Optional.empty();
    }
    String m = ssl.getMessage() == null ? ssl.getClass().getSimpleName() : ssl.getMessage();
    String lower = m.toLowerCase(java.util.Locale.ROOT);
    String hint = lower.contains("unrecognized ssl message") || lower.contains("plaintext connection")
        ? " (does it serve plain HTTP? then use http:// or ws://)" : "";
    return Optional.of("TLS: handshake with " + peer + " failed: " + m + hint);
  }

  private static String names(CertificateRejectedException e) {
    return e.names.isEmpty() ? "none" : String.join(", ", e.names);
  }

  private static <T extends Throwable> T find(Throwable t, Class<T> type) {
    int depth = 0;
    for (Throwable c = t; c != null && depth < 20; c = c.getCause(), depth++) {
      if (type.isInstance(c)) {
        return type.cast(c);
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return source;
  }
}
