package dev.drover.protocol.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads X.509 certificates from a PEM file (one or more {@code -----BEGIN CERTIFICATE-----}
 * blocks, text around them allowed, as {@code openssl} writes bundles). The blocks are found here;
 * each is decoded by the JDK's {@link CertificateFactory}.
 */
public final class PemCertificates {
  private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);
  /** A CA bundle is small; anything larger is not what the option wants. */
  private static final long MAX_BYTES = 4L << 20;

  private PemCertificates() {}

  /**
   * The certificates of a PEM file, in file order.
   *
   * @param label how the user gave the file, e.g. {@code --ca-cert}; every message starts with it and the path
   * @throws IllegalArgumentException with one readable line when the file is missing, unreadable, not PEM, holds
   *     no certificate or a block that does not decode
   */
  public static List<X509Certificate> read(Path file, String label) {
    String where = label + " " + file;
    byte[] bytes;
    try {
      if (Files.isDirectory(file)) {
        throw new IllegalArgumentException(where + ": is a directory, not a PEM file");
      }
      if (Files.size(file) > MAX_BYTES) {
        throw new IllegalArgumentException(where + ": larger than 4 MiB, not a PEM file of CA certificates");
      }
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(where + ": no such file");
    } catch (AccessDeniedException e) {
      throw new IllegalArgumentException(where + ": cannot read it (permission denied)");
    } catch (IOException e) {
      throw new IllegalArgumentException(where + ": cannot read it (" + e.getMessage() + ")");
    }
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    CertificateFactory factory;
    try {
      factory = CertificateFactory.getInstance("X.509");
    } catch (CertificateException e) {
      throw new IllegalStateException("this JVM has no X.509 certificate factory", e);
    }
    List<X509Certificate> certificates = new ArrayList<>();
    Set<String> otherBlocks = new LinkedHashSet<>();
    Matcher m = BLOCK.matcher(text);
    while (m.find()) {
      if (!m.group(1).equals("CERTIFICATE")) {
        otherBlocks.add(m.group(1));
        continue;
      }
      int n = certificates.size() + 1;
      byte[] der;
      try {
        der = Base64.getDecoder().decode(m.group(2).replaceAll("\\s", ""));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": certificate " + n + " is not valid base64 (" + e.getMessage() + ")");
      }
      try {
        certificates.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
      } catch (CertificateException | ClassCastException e) {
        throw new IllegalArgumentException(where + ": certificate " + n + " does not decode as X.509 (" + e.getMessage() + ")");
      }
    }
    if (!certificates.isEmpty()) {
      return List.copyOf(certificates);
    }
    if (!otherBlocks.isEmpty()) {
      throw new IllegalArgumentException(where + ": holds no certificate, only " + String.join(", ", otherBlocks)
          + " (expected -----BEGIN CERTIFICATE----- blocks)");
    }
    throw new IllegalArgumentException(where + ": not a PEM file (expected -----BEGIN CERTIFICATE----- blocks"
        + (text.isBlank() ? "; the file is empty)" : "; DER or other formats: convert with 'openssl x509 -inform der -out ca.pem')"));
  }
}
