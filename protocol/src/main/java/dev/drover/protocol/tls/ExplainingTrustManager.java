package dev.drover.protocol.tls;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.format.DateTimeFormatter;
import java.time.ZoneOffset;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The JDK's PKIX trust manager, unchanged in what it accepts, that tells apart why it refused a
 * server: no path to a trusted CA, a certificate out of its validity period, or a certificate for
 * other names than the host dialled. It checks the path first without the connection (no host
 * name check), then with it: a chain that passes the first and fails the second failed on the
 * host name (the JDK's endpoint identification, which java.net.http turns on).
 */
final class ExplainingTrustManager extends X509ExtendedTrustManager {
  private static final DateTimeFormatter DAY = DateTimeFormatter.ISO_LOCAL_DATE.withZone(ZoneOffset.UTC);
  private final X509ExtendedTrustManager delegate;

  ExplainingTrustManager(X509ExtendedTrustManager delegate) {
    this.delegate = delegate;
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    checkPath(chain, authType, engine == null ? null : engine.getPeerHost());
    try {
      delegate.checkServerTrusted(chain, authType, engine);
    } catch (CertificateException e) {
      throw onConnection(chain, engine == null ? null : engine.getPeerHost(), e);
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    String host = socket instanceof javax.net.ssl.SSLSocket s && s.getHandshakeSession() != null
        ? s.getHandshakeSession().getPeerHost() : null;
    checkPath(chain, authType, host);
    try {
      delegate.checkServerTrusted(chain, authType, socket);
    } catch (CertificateException e) {
      throw onConnection(chain, host, e);
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    checkPath(chain, authType, null);
  }

  private void checkPath(X509Certificate[] chain, String authType, String host) throws CertificateException {
    try {
      delegate.checkServerTrusted(chain, authType);
    } catch (CertificateException e) {
      X509Certificate leaf = chain == null || chain.length == 0 ? null : chain[0];
      if (leaf != null) {
        try {
          leaf.checkValidity();
        } catch (CertificateExpiredException expired) {
          throw new CertificateRejectedException(CertificateRejectedException.Reason.EXPIRED, host, CertificateNames.of(leaf),
              "expired on " + DAY.format(leaf.getNotAfter().toInstant()), e);
        } catch (CertificateNotYetValidException early) {
          throw new CertificateRejectedException(CertificateRejectedException.Reason.NOT_YET_VALID, host,
              CertificateNames.of(leaf), "not valid before " + DAY.format(leaf.getNotBefore().toInstant()), e);
        }
      }
      throw new CertificateRejectedException(CertificateRejectedException.Reason.UNTRUSTED, host,
          leaf == null ? java.util.List.of() : CertificateNames.of(leaf), e.getMessage(), e);
    }
  }

  /** The path was fine, so what failed is a check that needs the connection: in practice the host name. */
  private static CertificateException onConnection(X509Certificate[] chain, String host, CertificateException e) {
    String m = e.getMessage() == null ? "" : e.getMessage();
    if (m.startsWith("No subject alternative") || m.startsWith("No name matching")) {
      return new CertificateRejectedException(CertificateRejectedException.Reason.NAME_MISMATCH, host,
          CertificateNames.of(chain[0]), m, e);
    }
    return e;
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    delegate.checkClientTrusted(chain, authType, socket);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    delegate.checkClientTrusted(chain, authType, engine);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    delegate.checkClientTrusted(chain, authType);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return delegate.getAcceptedIssuers();
  }
}
