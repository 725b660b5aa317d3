package dev.drover.cli;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Where the Drover server is and which token to present. Each value comes from the first source
 * that has it: the command-line flag, then the environment ({@code DROVER_URL}, {@code
 * DROVER_TOKEN}), then the config file that {@code drover up} writes.
 *
 * @param token null when no source has one; the server then answers 401 if it requires auth
 */
public record ClientConfig(URI server, String token) {
  public static final String ENV_URL = "DROVER_URL";
  public static final String ENV_TOKEN = "DROVER_TOKEN";
  public static final String ENV_CONFIG = "DROVER_CONFIG";
  public static final String NOT_CONFIGURED =
      "no server configured: run 'drover up' or pass --server / set DROVER_URL";

  /**
   * Resolves the configuration. The environment is passed in, never read here, so tests can inject
   * it; the config file is read only when a flag or variable leaves a value open.
   */
  public static ClientConfig resolve(String flagServer, String flagToken, Map<String, String> env, Path home) {
    String url = firstNonBlank(flagServer, env.get(ENV_URL));
    String token = firstNonBlank(flagToken, env.get(ENV_TOKEN));
    if (url == null || token == null) {
      Properties file = load(configFile(env, home));
      if (url == null) url = firstNonBlank(file.getProperty("url"), null);
      if (token == null) token = firstNonBlank(file.getProperty("token"), null);
    }
    if (url == null) throw new CliException(NOT_CONFIGURED, ExitCodes.FAILURE);
    return new ClientConfig(parseServer(url), token);
  }

  /** The config file: {@code $DROVER_CONFIG}, or {@code ~/.drover/config}. */
  public static Path configFile(Map<String, String> env, Path home) {
    String explicit = firstNonBlank(env.get(ENV_CONFIG), null);
    return explicit != null ? Path.of(explicit) : home.resolve(".drover").resolve("config");
  }

  private static Properties load(Path file) {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (NoSuchFileException e) {
      // No file is the normal state before 'drover up'; the caller reports what is missing.
    } catch (IOException | IllegalArgumentException e) {
      throw new CliException("cannot read the config file " + file + ": " + e.getMessage(), ExitCodes.FAILURE);
    }
    return p;
  }

  private static URI parseServer(String url) {
    String text = url.trim();
    try {
      URI uri = new URI(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) return uri;
    } catch (URISyntaxException e) {
      // Reported below with the same message as a URL of the wrong shape.
    }
    throw new CliException(
        "invalid server URL '" + url + "': expected http(s)://HOST[:PORT], e.g. http://127.0.0.1:8080",
        ExitCodes.USAGE);
  }

  private static String firstNonBlank(String a, String b) {
    if (a != null && !a.isBlank()) return a.trim();
    if (b != null && !b.isBlank()) return b.trim();
    return null;
  }
}
