package dev.drover.protocol.tls;

import java.security.cert.CertificateException;
import java.util.List;

/**
 * Why a client refused a server's certificate, kept as data so the message the user reads can say
 * what to fix. It travels as the cause of the {@code SSLHandshakeException} the JDK raises.
 */
final class CertificateRejectedException extends CertificateException {
  enum Reason {
    /** No path from the certificate to a trusted CA. */
    UNTRUSTED,
    /** Outside its validity period. */
    EXPIRED,
    NOT_YET_VALID,
    /** Trusted, but issued for other names than the host the client dialled. */
    NAME_MISMATCH
  }

  final Reason reason;
  /** The host the client dialled; null when unknown. */
  final String host;
  final List<String> names;
  final String detail;

  CertificateRejectedException(Reason reason, String host, List<String> names, String detail, CertificateException cause) {
    super(detail, cause);
    this.reason = reason;
    this.host = host;
    this.names = names;
    this.detail = detail;
  }
}
