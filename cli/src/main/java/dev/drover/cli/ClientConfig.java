package dev.drover.cli;

import dev.drover.protocol.tls.TlsTrust;
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
 * Where the Drover server is, which token to present and which CA to trust for https://. Each value
 * comes from the first source that has it: the command-line flag, then the environment ({@code
 * DROVER_URL}, {@code DROVER_TOKEN}, {@code DROVER_CA_CERT}), then the config file that {@code drover
 * up} writes (keys {@code url}, {@code token}, {@code ca-cert}).
 *
 * @param token null when no source has one; the server then answers 401 if it requires auth
 * @param caCert PEM file of the CAs trusted for https://; null: the JVM's trust store
 * @param caCertSource how the CA file was given, as messages name it ({@code --ca-cert}, {@code DROVER_CA_CERT}, ...)
 */
public record ClientConfig(URI server, String token, Path caCert, String caCertSource) {
  public static final String ENV_URL = "DROVER_URL";
  public static final String ENV_TOKEN = "DROVER_TOKEN";
  public static final String ENV_CONFIG = "DROVER_CONFIG";
  public static final String ENV_CA_CERT = "DROVER_CA_CERT";

  /** A server and token, trusting the JVM's trust store. */
  public ClientConfig(URI server, String token) {
    this(server, token, null, null);
  }
  public static final String NOT_CONFIGURED =
      "no server configured: run 'drover up' or pass --server / set DROVER_URL";

  /**
   * Resolves the configuration. The environment is passed in, never read here, so tests can inject
   * it; the config file is read only when a flag or variable leaves a value open.
   */
  public static ClientConfig resolve(String flagServer, String flagToken, Map<String, String> env, Path home) {
    return resolve(flagServer, flagToken, null, env, home);
  }

  /** As above, with {@code --ca-cert} too; a CA file needs an https:// server. */
  public static ClientConfig resolve(String flagServer, String flagToken, String flagCaCert, Map<String, String> env, Path home) {
    String url = firstNonBlank(flagServer, env.get(ENV_URL));
    String token = firstNonBlank(flagToken, env.get(ENV_TOKEN));
    Path caCert = null;
    String caCertSource = null;
    if (firstNonBlank(flagCaCert, null) != null) {
      caCert = Path.of(flagCaCert.trim());
      caCertSource = "--ca-cert";
    } else if (firstNonBlank(env.get(ENV_CA_CERT), null) != null) {
      caCert = Path.of(env.get(ENV_CA_CERT).trim());
      caCertSource = ENV_CA_CERT;
    }
    if (url == null || token == null || caCert == null) {
      Path configFile = configFile(env, home);
      Properties file = load(configFile);
      if (url == null) url = firstNonBlank(file.getProperty("url"), null);
      if (token == null) token = firstNonBlank(file.getProperty("token"), null);
      String fileCa = firstNonBlank(file.getProperty("ca-cert"), null);
      if (caCert == null && fileCa != null) {
        // a relative path in the file is relative to the file, wherever the CLI runs
        Path dir = configFile.toAbsolutePath().getParent();
        caCert = dir.resolve(fileCa);
        caCertSource = "ca-cert of " + configFile;
      }
    }
    if (url == null) throw new CliException(NOT_CONFIGURED, ExitCodes.FAILURE);
    URI server = parseServer(url);
    if (caCert != null && !"https".equalsIgnoreCase(server.getScheme())) {
      throw new CliException(caCertSource + " needs an https:// server URL, got " + server, ExitCodes.USAGE);
    }
    return new ClientConfig(server, token, caCert, caCertSource);
  }

  /** What https:// servers are verified against: the CA file, else the JVM's trust store. */
  public TlsTrust trust() {
    if (caCert == null) return TlsTrust.jvmDefault();
    try {
      return TlsTrust.fromPem(caCert, caCertSource);
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage(), ExitCodes.USAGE);
    }
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
