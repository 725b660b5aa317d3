package dev.drover.agent.faults;

import java.net.InetSocketAddress;

/**
 * The test-only fault-injection endpoint, off unless {@code --enable-fault-injection}.
 *
 * @param listen where to bind (default 127.0.0.1 on a free port)
 * @param token the bearer token, or null to make a random one and write it to the work dir
 */
public record FaultInjectionSettings(boolean enabled, InetSocketAddress listen, String token) {
  public static final FaultInjectionSettings OFF = new FaultInjectionSettings(false, null, null);

  /**
   * Parses HOST:PORT ({@code [v6]:PORT} for IPv6).
   *
   * @throws IllegalArgumentException saying what is expected
   */
  public static InetSocketAddress parseListen(String text) {
    String t = text.trim();
    int colon = t.lastIndexOf(':');
    if (colon <= 0 || colon == t.length() - 1) {
      throw new IllegalArgumentException("expected HOST:PORT, e.g. 127.0.0.1:0");
    }
    String host = t.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(t.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("port '" + t.substring(colon + 1) + "' is not a number");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0 (any free port) to 65535, got " + port);
    }
    return new InetSocketAddress(host, port);
  }
}
