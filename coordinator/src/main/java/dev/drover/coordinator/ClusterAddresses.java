package dev.drover.coordinator;

import java.util.ArrayList;
import java.util.List;

/** Parses the host:port lists of the command line (seed nodes, Cassandra contact points). */
public final class ClusterAddresses {
  private ClusterAddresses() {}

  /** "a:1,b:2" as ["a:1", "b:2"]; IllegalArgumentException naming the option and the bad entry. */
  public static List<String> hostPorts(String list, String option) {
    List<String> out = new ArrayList<>();
    for (String raw : list.split(",")) {
      String e = raw.trim();
      if (e.isEmpty()) continue;
      int colon = e.lastIndexOf(':');
      if (colon <= 0 || colon == e.length() - 1) {
        throw new IllegalArgumentException(option + ": '" + e + "' is not HOST:PORT");
      }
      int port;
      try {
        port = Integer.parseInt(e.substring(colon + 1));
      } catch (NumberFormatException x) {
        throw new IllegalArgumentException(option + ": '" + e + "' has no numeric port");
      }
      if (port < 1 || port > 65535) throw new IllegalArgumentException(option + ": port of '" + e + "' must be 1-65535");
      out.add(e);
    }
    if (out.isEmpty()) throw new IllegalArgumentException(option + " needs at least one HOST:PORT");
    return List.copyOf(out);
  }
}
