package dev.drover.protocol.spec;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses and prints durations as users write them: 30s, 5m, 1h30m, 2d, 250ms, or bare seconds. */
public final class Durations {
  private static final Pattern PART = Pattern.compile("([0-9]+)(ms|s|m|h|d)");
  private static final Pattern WHOLE = Pattern.compile("^(?:[0-9]+(?:ms|s|m|h|d))+$");

  private Durations() {}

  /** Parses a duration, throwing IllegalArgumentException with a readable message. */
  public static Duration parse(String text) {
    if (text == null || text.isBlank()) throw new IllegalArgumentException("must not be empty");
    String t = text.trim();
    if (t.chars().allMatch(Character::isDigit)) {
      return Duration.ofSeconds(parseNumber(t, text));
    }
    if (!WHOLE.matcher(t).matches()) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a duration; write e.g. 30s, 5m, 1h30m, 2d or a number of seconds");
    }
    Duration d = Duration.ZERO;
    Matcher m = PART.matcher(t);
    while (m.find()) {
      long n = parseNumber(m.group(1), text);
      d =
          switch (m.group(2)) {
            case "ms" -> d.plusMillis(n);
            case "s" -> d.plusSeconds(n);
            case "m" -> d.plusMinutes(n);
            case "h" -> d.plusHours(n);
            case "d" -> d.plusDays(n);
            default -> throw new IllegalArgumentException("unknown unit in '" + text + "'");
          };
    }
    return d;
  }

  private static long parseNumber(String digits, String text) {
    try {
      long n = Long.parseLong(digits);
      if (n > 100L * 365 * 24 * 3600 * 1000) throw new NumberFormatException();
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' is too large");
    }
  }

  /** Prints a duration compactly, e.g. 1h30m, 45s, 250ms. */
  public static String format(Duration d) {
    if (d.isZero()) return "0s";
    long ms = d.toMillis();
    if (ms % 1000 != 0) return ms + "ms";
    long s = ms / 1000;
    StringBuilder b = new StringBuilder();
    long days = s / 86400;
    s %= 86400;
    long h = s / 3600;
    s %= 3600;
    long m = s / 60;
    s %= 60;
    if (days > 0) b.append(days).append('d');
    if (h > 0) b.append(h).append('h');
    if (m > 0) b.append(m).append('m');
    if (s > 0) b.append(s).append('s');
    return b.toString();
  }
}
