package dev.drover.agent.link;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/** The coordinator addresses an agent cycles through, normalized to agent stream WebSocket URIs. */
public final class CoordinatorEndpoints {
  public static final String STREAM_PATH = "/agent/v1/stream";

  private CoordinatorEndpoints() {}

  /**
   * Parses a comma-separated list of ws(s):// or http(s):// URLs (or bare host:port). A URL without
   * a path gets {@value #STREAM_PATH}; http becomes ws and https becomes wss.
   *
   * @throws IllegalArgumentException with a readable message for an unusable entry
   */
  public static List<URI> parse(String list) {
    if (list == null || list.isBlank()) {
      throw new IllegalArgumentException("no coordinator URL given");
    }
    List<URI> out = new ArrayList<>();
    for (String raw : list.split(",")) {
      String s = raw.trim();
      if (s.isEmpty()) {
        continue;
      }
      if (!s.contains("://")) {
        s = "ws://" + s;
      }
      URI u;
      try {
        u = URI.create(s);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("invalid coordinator URL '" + raw.trim() + "'");
      }
      String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase();
      String ws = switch (scheme) {
        case "ws", "http" -> "ws";
        case "wss", "https" -> "wss";
        default -> throw new IllegalArgumentException(
            "invalid coordinator URL '" + raw.trim() + "': scheme must be ws, wss, http or https");
      };
      if (u.getHost() == null) {
        throw new IllegalArgumentException("invalid coordinator URL '" + raw.trim() + "': no host");
      }
      String path = u.getRawPath() == null || u.getRawPath().isEmpty() || u.getRawPath().equals("/")
          ? STREAM_PATH
          : u.getRawPath();
      if ((scheme.equals("http") || scheme.equals("https")) && !path.endsWith(STREAM_PATH)) {
        // an http base URL may carry a prefix (behind a proxy): the stream lives under it
        path = path.replaceAll("/+$", "") + STREAM_PATH;
      }
      out.add(URI.create(ws + "://" + u.getRawAuthority() + path));
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no coordinator URL given");
    }
    return List.copyOf(out);
  }
}
