package dev.drover.coordinator.tls;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * TLS of the API port ({@code drover.http.tls { }}): with a keystore the port serves HTTPS and WSS
 * only (API, agent link, web UI, /metrics); without one, plain HTTP as before.
 *
 * @param keystore PKCS12 or JKS file with the server's private key and certificate chain; empty: TLS off
 * @param passwordFile file holding the keystore's password; empty: env {@code DROVER_TLS_KEYSTORE_PASSWORD}
 * @param keystoreType PKCS12 or JKS; empty: from the file's extension (.jks JKS, anything else PKCS12)
 */
public record TlsSettings(Optional<Path> keystore, Optional<Path> passwordFile, String keystoreType) {
  public static final TlsSettings OFF = new TlsSettings(Optional.empty(), Optional.empty(), "");

  public static TlsSettings from(Config c) {
    return new TlsSettings(path(c.getString("keystore")), path(c.getString("keystore-password-file")),
        c.getString("keystore-type").trim());
  }

  private static Optional<Path> path(String s) {
    return s.isBlank() ? Optional.empty() : Optional.of(Path.of(s.trim()));
  }

  public boolean enabled() {
    return keystore.isPresent();
  }

  /** The keystore type to load: the configured one, else by extension (.p12/.pfx PKCS12, .jks JKS, else PKCS12). */
  public String effectiveType() {
    if (!keystoreType.isEmpty()) {
      return keystoreType.toUpperCase(Locale.ROOT);
    }
    String name = keystore.map(p -> p.getFileName().toString().toLowerCase(Locale.ROOT)).orElse("");
    return name.endsWith(".jks") ? "JKS" : "PKCS12";
  }

  /** Settings that cannot work, as readable problems naming the setting; empty when consistent. */
  public List<String> problems() {
    List<String> p = new ArrayList<>();
    if (!keystoreType.isEmpty()) {
      try {
        KeyStore.getInstance(keystoreType);
      } catch (KeyStoreException e) {
        p.add("drover.http.tls.keystore-type '" + keystoreType + "' is not a keystore type this JVM reads (use PKCS12 or JKS)");
      }
    }
    if (keystore.isEmpty() && passwordFile.isPresent()) {
      p.add("drover.http.tls.keystore-password-file is set but drover.http.tls.keystore is not");
    }
    return p;
  }
}
