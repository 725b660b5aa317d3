package dev.drover.cli.output;

import java.util.List;

/** A series as a one-line chart of block characters, e.g. "▁▂▅█▇"; gaps (null) print as a space. */
public final class Sparkline {
  private static final char[] BLOCKS = {'▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'};
  /** At most this many characters: the newest values. */
  public static final int WIDTH = 24;

  private Sparkline() {}

  /**
   * @param min the value drawn lowest
   * @param max the value drawn highest, or null for the largest value of the series
   */
  public static String of(List<Double> values, double min, Double max) {
    List<Double> v = values.subList(Math.max(0, values.size() - WIDTH), values.size());
    double top = max != null ? max : v.stream().filter(x -> x != null).mapToDouble(Double::doubleValue).max().orElse(min + 1);
    if (top <= min) top = min + 1;
    StringBuilder b = new StringBuilder(v.size());
    for (Double x : v) {
      if (x == null) {
        b.append(' ');
        continue;
      }
      double f = (Math.min(Math.max(x, min), top) - min) / (top - min);
      b.append(BLOCKS[(int) Math.round(f * (BLOCKS.length - 1))]);
    }
    return b.toString();
  }
}
