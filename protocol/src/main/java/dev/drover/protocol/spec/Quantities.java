package dev.drover.protocol.spec;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses and prints byte quantities the way Kubernetes users write them: 512Mi, 16Gi, 2G, 1048576. */
public final class Quantities {
  private static final Pattern QUANTITY = Pattern.compile("^([0-9]+(?:\\.[0-9]+)?)\\s*([KMGTP]i?|[kmgtp]i?|B|b)?$");

  private Quantities() {}

  /** Parses a byte quantity, throwing IllegalArgumentException with a readable message. */
  public static long parseBytes(String text) {
    if (text == null || text.isBlank()) throw new IllegalArgumentException("must not be empty");
    Matcher m = QUANTITY.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a byte quantity; write e.g. 512Mi, 16Gi, 2G or a number of bytes");
    }
    BigDecimal n = new BigDecimal(m.group(1));
    String unit = m.group(2) == null ? "" : m.group(2);
    long factor =
        switch (unit.toUpperCase(Locale.ROOT)) {
          case "", "B" -> 1L;
          case "K" -> 1_000L;
          case "KI" -> 1L << 10;
          case "M" -> 1_000_000L;
          case "MI" -> 1L << 20;
          case "G" -> 1_000_000_000L;
          case "GI" -> 1L << 30;
          case "T" -> 1_000_000_000_000L;
          case "TI" -> 1L << 40;
          case "P" -> 1_000_000_000_000_000L;
          case "PI" -> 1L << 50;
          default -> throw new IllegalArgumentException("unknown unit '" + unit + "'");
        };
    BigDecimal bytes = n.multiply(BigDecimal.valueOf(factor));
    if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw new IllegalArgumentException("'" + text + "' is too large");
    }
    return bytes.longValue();
  }

  /** Prints bytes with the largest binary unit that keeps one decimal, e.g. 16Gi or 1.5Gi. */
  public static String formatBytes(long bytes) {
    String[] units = {"", "Ki", "Mi", "Gi", "Ti", "Pi"};
    double v = bytes;
    int i = 0;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    if (i == 0) return Long.toString(bytes);
    return (v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v)) + units[i];
  }
}
