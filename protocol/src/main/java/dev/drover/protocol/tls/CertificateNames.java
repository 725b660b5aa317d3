package dev.drover.protocol.tls;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/** The host names and addresses a certificate is issued for, as clients match them. */
public final class CertificateNames {
  private static final int SAN_DNS = 2;
  private static final int SAN_IP = 7;

  private CertificateNames() {}

  /**
   * The DNS names and IP addresses of the certificate's subject alternative names, as
   * {@code DNS:host} and {@code IP:address}; the subject's common name ({@code CN:name}) when it has
   * none (clients ignore the CN once a certificate has SANs).
   */
  public static List<String> of(X509Certificate certificate) {
    List<String> names = new ArrayList<>();
    Collection<List<?>> sans;
    try {
      sans = certificate.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      sans = null;
    }
    if (sans != null) {
      for (List<?> san : sans) {
        Object type = san.get(0);
        if (type instanceof Integer t && (t == SAN_DNS || t == SAN_IP)) {
          names.add((t == SAN_DNS ? "DNS:" : "IP:") + san.get(1));
        }
      }
    }
    if (names.isEmpty()) {
      String cn = commonName(certificate);
      if (cn != null) {
        names.add("CN:" + cn);
      }
    }
    return List.copyOf(names);
  }

  /** The subject's CN, or null. */
  static String commonName(X509Certificate certificate) {
    try {
      for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          return rdn.getValue().toString();
        }
      }
    } catch (InvalidNameException e) {
      return null;
    }
    return null;
  }
}
