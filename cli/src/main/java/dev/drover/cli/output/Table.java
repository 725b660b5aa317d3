package dev.drover.cli.output;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A plain-text table with aligned columns, the way kubectl prints lists: no borders, three spaces apart. */
public final class Table {
  private static final String GAP = "   ";
  /** What an empty cell shows, so columns never collapse and nothing is mistaken for a value. */
  public static final String NONE = "-";

  private final List<String> headers;
  private final List<List<String>> rows = new ArrayList<>();

  private Table(List<String> headers) {
    this.headers = headers;
  }

  public static Table withColumns(String... headers) {
    return new Table(List.of(headers));
  }

  /** Adds a row; null or blank cells print as {@link #NONE}, line breaks are flattened. */
  public Table row(Object... cells) {
    if (cells.length != headers.size()) {
      throw new IllegalArgumentException("expected " + headers.size() + " cells, got " + Arrays.toString(cells));
    }
    List<String> r = new ArrayList<>(cells.length);
    for (Object c : cells) {
      String s = c == null ? "" : c.toString().replace('\n', ' ').replace('\r', ' ').replace('\t', ' ');
      r.add(s.isBlank() ? NONE : s);
    }
    rows.add(r);
    return this;
  }

  public boolean isEmpty() {
    return rows.isEmpty();
  }

  public String render() {
    int[] width = new int[headers.size()];
    for (int i = 0; i < width.length; i++) width[i] = headers.get(i).length();
    for (List<String> r : rows) for (int i = 0; i < width.length; i++) width[i] = Math.max(width[i], r.get(i).length());
    StringBuilder b = new StringBuilder();
    line(b, headers, width);
    for (List<String> r : rows) line(b, r, width);
    return b.toString();
  }

  public void print(PrintWriter out) {
    out.print(render());
    out.flush();
  }

  private static void line(StringBuilder b, List<String> cells, int[] width) {
    StringBuilder l = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      if (i > 0) l.append(GAP);
      l.append(cells.get(i));
      if (i < cells.size() - 1) l.append(" ".repeat(width[i] - cells.get(i).length()));
    }
    b.append(l.toString().stripTrailing()).append('\n');
  }
}
