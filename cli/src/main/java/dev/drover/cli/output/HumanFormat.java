package dev.drover.cli.output;

import dev.drover.protocol.spec.Quantities;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** How values read in tables and descriptions: short durations, ages, GPU lists, byte sizes. */
public final class HumanFormat {
  /** Timestamps in UTC to the second: the same on every machine, sortable, and what the server stores. */
  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

  private HumanFormat() {}

  /** A duration in at most its two largest units: 45s, 3m20s, 5h3m, 2d5h. */
  public static String duration(Duration d) {
    long s = Math.max(0, d.getSeconds());
    if (s < 60) return s + "s";
    long m = s / 60;
    if (m < 60) return two(m, "m", s % 60, "s");
    long h = m / 60;
    if (h < 24) return two(h, "h", m % 60, "m");
    return two(h / 24, "d", h % 24, "h");
  }

  /** How long ago an instant was, e.g. "3m ago"; "-" when unknown. */
  public static String ago(Instant then, Instant now) {
    if (then == null) return Table.NONE;
    Duration d = Duration.between(then, now);
    // A server clock slightly ahead of ours is not "in the future" to a reader.
    if (d.isNegative()) return "just now";
    return duration(d) + " ago";
  }

  /** A timestamp and its age, e.g. "2024-05-01 10:00:00Z (3m ago)". */
  public static String timestampWithAge(Instant t, Instant now) {
    return t == null ? Table.NONE : timestamp(t) + " (" + ago(t, now) + ")";
  }

  public static String timestamp(Instant t) {
    return t == null ? Table.NONE : TIMESTAMP.format(t.truncatedTo(ChronoUnit.SECONDS));
  }

  /** GPU indices as the CUDA_VISIBLE_DEVICES of the replica would list them: "0,1". */
  public static String gpus(List<Integer> indices) {
    if (indices == null || indices.isEmpty()) return Table.NONE;
    return indices.stream().map(String::valueOf).collect(Collectors.joining(","));
  }

  public static String bytes(Long bytes) {
    return bytes == null ? Table.NONE : Quantities.formatBytes(bytes);
  }

  /** Cuts text to a column width, marking the cut so a reader knows to run describe for the rest. */
  public static String truncate(String text, int max) {
    if (text == null) return null;
    String t = text.strip().replace('\n', ' ');
    return t.length() <= max ? t : t.substring(0, Math.max(0, max - 3)) + "...";
  }

  private static String two(long big, String bigUnit, long small, String smallUnit) {
    // Past ten of the big unit the small one is noise.
    return small == 0 || big >= 10 ? big + bigUnit : big + bigUnit + small + smallUnit;
  }
}
