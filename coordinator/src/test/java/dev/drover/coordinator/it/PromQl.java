package dev.drover.coordinator.it;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the metric names a PromQL expression (as Grafana panels write them) selects. */
final class PromQl {
  private PromQl() {}

  private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right", "bool",
      "and", "or", "unless", "offset", "inf", "nan",
      // aggregation operators, which may be followed by a grouping rather than their parenthesis
      "sum", "avg", "min", "max", "count", "group", "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values");
  private static final Pattern IDENT = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

  /** Every metric name in {@code expr}: identifiers that are not functions, keywords, labels or variables. */
  static Set<String> metricNames(String expr) {
    String e = expr
        .replaceAll("label_values\\(([^,()]*(?:\\{[^}]*})?)\\s*,\\s*[a-zA-Z_][a-zA-Z0-9_]*\\s*\\)", "label_values($1)") // Grafana: (metric, label)
        .replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")          // string literals
        .replaceAll("\\$\\{[^}]*}|\\$[a-zA-Z_][a-zA-Z0-9_]*", "0") // Grafana variables
        .replaceAll("\\{[^}]*}", "")                              // label matchers
        .replaceAll("\\[[^]]*]", "")                              // range and subquery selectors
        .replaceAll("(?i)\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", "$1");
    Set<String> names = new TreeSet<>();
    Matcher m = IDENT.matcher(e);
    while (m.find()) {
      String id = m.group();
      int after = m.end();
      while (after < e.length() && Character.isWhitespace(e.charAt(after))) after++;
      boolean call = after < e.length() && e.charAt(after) == '(';
      boolean number = m.start() > 0 && (Character.isDigit(e.charAt(m.start() - 1)) || e.charAt(m.start() - 1) == '.');
      if (call || number || KEYWORDS.contains(id.toLowerCase(java.util.Locale.ROOT))) continue;
      names.add(id);
    }
    return names;
  }
}
