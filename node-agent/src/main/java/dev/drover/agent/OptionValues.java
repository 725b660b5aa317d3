package dev.drover.agent;

import dev.drover.protocol.spec.Durations;
import dev.drover.protocol.spec.Quantities;
import dev.drover.protocol.tls.TlsTrust;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** Parsing and checking of option values shared by the agent's commands, failing as picocli usage errors. */
public final class OptionValues {
  public static final String CA_CERT_ENV = "DROVER_CA_CERT";

  private OptionValues() {}

  /** A duration between min and max inclusive ("0" allowed when min is zero). */
  public static Duration duration(CommandSpec spec, String option, String value, Duration min, Duration max) {
    Duration d;
    try {
      d = min.isZero() && value.trim().equals("0") ? Duration.ZERO : Durations.parse(value);
    } catch (IllegalArgumentException e) {
      throw usage(spec, "invalid " + option + " '" + value + "': " + e.getMessage());
    }
    if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
      throw usage(spec, option + " must be between " + (min.isZero() ? "0" : Durations.format(min)) + " and "
          + Durations.format(max) + ", got '" + value + "'");
    }
    return d;
  }

  /** A positive byte quantity such as 64Mi. */
  public static long bytes(CommandSpec spec, String option, String value) {
    long b;
    try {
      b = Quantities.parseBytes(value);
    } catch (IllegalArgumentException e) {
      throw usage(spec, "invalid " + option + " '" + value + "': " + e.getMessage());
    }
    if (b <= 0) {
      throw usage(spec, option + " must be positive, got '" + value + "'");
    }
    return b;
  }

  /** The join token from --join-token, --join-token-file or env DROVER_JOIN_TOKEN (exactly one source). */
  public static String joinToken(CommandSpec spec, String joinToken, Path joinTokenFile) {
    if (joinToken != null && joinTokenFile != null) {
      throw usage(spec, "give either --join-token or --join-token-file, not both");
    }
    String t = joinToken;
    if (joinTokenFile != null) {
      try {
        t = Files.readString(joinTokenFile, StandardCharsets.UTF_8).trim();
      } catch (IOException e) {
        throw usage(spec, "cannot read --join-token-file " + joinTokenFile + ": " + e.getMessage());
      }
    }
    if (t == null) {
      t = System.getenv("DROVER_JOIN_TOKEN");
    }
    if (t == null || t.isBlank()) {
      throw usage(spec, "a join token is required: --join-token, --join-token-file or env DROVER_JOIN_TOKEN");
    }
    return t.trim();
  }

  /**
   * What wss:// coordinators are verified against: the CA certificates of the PEM file given with
   * {@code --ca-cert} or env {@value #CA_CERT_ENV}, else the JVM's trust store.
   *
   * @param endpoints the parsed coordinator URLs: a CA file needs at least one wss:// among them
   */
  public static TlsTrust caCert(CommandSpec spec, Path caCert, List<URI> endpoints) {
    Path file = caCert;
    String label = "--ca-cert";
    if (file == null) {
      String env = System.getenv(CA_CERT_ENV);
      if (env == null || env.isBlank()) {
        return TlsTrust.jvmDefault();
      }
      file = Path.of(env.trim());
      label = CA_CERT_ENV;
    }
    if (endpoints.stream().noneMatch(u -> "wss".equals(u.getScheme()))) {
      throw usage(spec, label + " needs a wss:// or https:// coordinator URL");
    }
    try {
      return TlsTrust.fromPem(file, label);
    } catch (IllegalArgumentException e) {
      throw usage(spec, e.getMessage());
    }
  }

  public static CommandLine.ParameterException usage(CommandSpec spec, String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }
}
