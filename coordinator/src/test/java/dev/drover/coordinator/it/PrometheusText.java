package dev.drover.coordinator.it;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * A parsed Prometheus text exposition (format 0.0.4): every sample with its labels, and the
 * metric families the {@code # TYPE} lines declare. Strict: a line it cannot read fails the parse,
 * so a malformed scrape fails the test that reads it.
 */
public final class PrometheusText {
  /** One sample line. */
  public record Sample(String name, Map<String, String> labels, double value) {
    public String label(String key) {
      return labels.get(key);
    }
  }

  private final List<Sample> samples;
  private final Map<String, String> types;

  private PrometheusText(List<Sample> samples, Map<String, String> types) {
    this.samples = samples;
    this.types = types;
  }

  public static PrometheusText parse(String text) {
    List<Sample> samples = new ArrayList<>();
    Map<String, String> types = new TreeMap<>();
    int lineNo = 0;
    for (String line : text.split("\n", -1)) {
      lineNo++;
      if (line.isBlank()) continue;
      if (line.startsWith("#")) {
        String[] parts = line.split(" ", 4);
        if (parts.length >= 4 && parts[1].equals("TYPE")) types.put(parts[2], parts[3].trim());
        continue;
      }
      samples.add(sample(line, lineNo));
    }
    return new PrometheusText(List.copyOf(samples), Collections.unmodifiableMap(types));
  }

  private static Sample sample(String line, int lineNo) {
    int i = 0;
    while (i < line.length() && isNameChar(line.charAt(i), i == 0)) i++;
    if (i == 0) throw bad(line, lineNo, "no metric name");
    String name = line.substring(0, i);
    Map<String, String> labels = new LinkedHashMap<>();
    if (i < line.length() && line.charAt(i) == '{') {
      i++;
      while (true) {
        if (line.charAt(i) == '}') {
          i++;
          break;
        }
        int start = i;
        while (isNameChar(line.charAt(i), i == start)) i++;
        String key = line.substring(start, i);
        if (key.isEmpty() || line.charAt(i) != '=' || line.charAt(i + 1) != '"') throw bad(line, lineNo, "bad label at " + start);
        i += 2;
        StringBuilder v = new StringBuilder();
        while (line.charAt(i) != '"') {
          char c = line.charAt(i);
          if (c == '\\') {
            char n = line.charAt(++i);
            v.append(n == 'n' ? '\n' : n);
          } else {
            v.append(c);
          }
          i++;
        }
        i++;
        labels.put(key, v.toString());
        if (line.charAt(i) == ',') i++;
      }
    }
    String[] rest = line.substring(i).trim().split("\\s+");
    if (rest.length < 1 || rest.length > 2 || rest[0].isEmpty()) throw bad(line, lineNo, "expected a value and an optional timestamp");
    double value = switch (rest[0]) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(rest[0]);
    };
    return new Sample(name, Collections.unmodifiableMap(labels), value);
  }

  private static boolean isNameChar(char c, boolean first) {
    return c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (!first && c >= '0' && c <= '9');
  }

  private static IllegalArgumentException bad(String line, int lineNo, String why) {
    return new IllegalArgumentException("line " + lineNo + " is not Prometheus text (" + why + "): " + line);
  }

  public List<Sample> samples() {
    return samples;
  }

  /** The samples of this exact series name. */
  public List<Sample> series(String name) {
    return samples.stream().filter(s -> s.name().equals(name)).toList();
  }

  public List<Sample> series(String name, Predicate<Sample> where) {
    return series(name).stream().filter(where).toList();
  }

  /** The value of the one sample of {@code name} with these labels (others may be present too). */
  public Optional<Double> value(String name, Map<String, String> labels) {
    List<Sample> found = series(name, s -> s.labels().entrySet().containsAll(labels.entrySet()));
    if (found.size() > 1) throw new AssertionError(found.size() + " samples of " + name + " match " + labels + ": " + found);
    return found.stream().findFirst().map(Sample::value);
  }

  /** The sum of every sample of {@code name} with these labels; 0 when there is none. */
  public double sum(String name, Map<String, String> labels) {
    return series(name, s -> s.labels().entrySet().containsAll(labels.entrySet())).stream().mapToDouble(Sample::value).sum();
  }

  /** Every series name present (histograms as their _bucket, _count and _sum series). */
  public Set<String> seriesNames() {
    Set<String> names = new TreeSet<>();
    for (Sample s : samples) names.add(s.name());
    return names;
  }

  /**
   * The metric families: a {@code # TYPE} name, else the series name; a histogram's
   * {@code _bucket}, {@code _count} and {@code _sum} series belong to their family.
   */
  public Set<String> families() {
    Set<String> out = new TreeSet<>(types.keySet());
    for (String n : seriesNames()) {
      String family = n;
      for (String suffix : List.of("_bucket", "_count", "_sum")) {
        if (n.endsWith(suffix) && "histogram".equals(types.get(n.substring(0, n.length() - suffix.length())))) {
          family = n.substring(0, n.length() - suffix.length());
        }
      }
      out.add(family);
    }
    return out;
  }

  public Map<String, String> types() {
    return types;
  }
}
