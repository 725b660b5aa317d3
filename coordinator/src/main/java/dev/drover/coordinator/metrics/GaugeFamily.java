package dev.drover.coordinator.metrics;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import kamon.Kamon;
import kamon.metric.Metric;
import kamon.tag.TagSet;

/**
 * One gauge and the label sets it had, set as a whole each round: a series that is not set again
 * drops to zero. Kamon's Prometheus reporter keeps every series it has seen for the life of the
 * process, so a removed series would go on showing its last value; zero is the truthful reading
 * ("no jobs in this state any more").
 */
final class GaugeFamily {
  private final String name;
  private final Metric.Gauge gauge;
  private final Set<Map<String, String>> seen = new HashSet<>();
  private Map<Map<String, String>, Double> round = new HashMap<>();
  private Map<Map<String, String>, Double> last = Map.of();

  private final boolean zeroMissing;

  /**
   * @param zeroMissing publish zero for a label set not set this round; false for readings (GPU
   *     telemetry) where a missing sample means "unknown", not zero: the last value stays
   */
  GaugeFamily(String name, String description, boolean zeroMissing) {
    this.name = name;
    this.gauge = Kamon.gauge(name, description);
    this.zeroMissing = zeroMissing;
  }

  /** Adds to the value of this label set in the round being built. */
  void add(Map<String, String> labels, double value) {
    round.merge(labels, value, Double::sum);
  }

  void set(Map<String, String> labels, double value) {
    round.put(labels, value);
  }

  /** Publishes the round: every label set added, and zero for those seen before but not now. */
  void publish() {
    if (zeroMissing) {
      for (Map<String, String> labels : seen) {
        if (!round.containsKey(labels)) gauge.withTags(tags(labels)).update(0);
      }
    }
    for (Map.Entry<Map<String, String>, Double> e : round.entrySet()) {
      gauge.withTags(tags(e.getKey())).update(e.getValue());
      seen.add(e.getKey());
    }
    last = round;
    round = new HashMap<>();
  }

  /** Drops every series of this gauge from Kamon's registry, so its snapshots no longer carry them. */
  void removeAll() {
    for (Map<String, String> labels : seen) gauge.remove(tags(labels));
    seen.clear();
    round = new HashMap<>();
    last = Map.of();
  }

  String name() {
    return name;
  }

  /** What the last {@link #publish()} set, label set by label set. */
  Map<Map<String, String>, Double> lastRound() {
    return last;
  }

  private static TagSet tags(Map<String, String> labels) {
    return TagSet.from(new HashMap<String, Object>(labels));
  }
}
