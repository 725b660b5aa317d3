package dev.drover.agent.health;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.drover.protocol.Json;
import dev.drover.protocol.agent.HealthStatus;
import dev.drover.protocol.spec.Durations;
import dev.drover.protocol.spec.FieldError;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads a health policy file ({@code --health-policy}), YAML or JSON: every key is optional and
 * overrides {@link HealthPolicy#defaults()}. Unknown keys and bad values are errors located by JSON
 * pointer, so a typo never silently leaves a default in place.
 *
 * <pre>
 * xid:
 *   unknown: degraded            # verdict for XIDs not in the catalog
 *   degradedClearAfter: 15m      # a DEGRADED XID clears after this long without a repeat
 *   overrides: {"13": healthy, "94": unhealthy}
 * ecc:          {singleBitDegradedAt: 1000}
 * retiredPages: {degradedAt: 60}
 * thermal:      {shutdownMarginC: 2, hysteresisC: 5}
 * pcieReplay:   {degradedAbovePerMinute: 100}
 * nvlinkErrors: {degradedAbovePerMinute: 0}
 * counters:     {clearAfter: 10m}
 * </pre>
 */
public final class HealthPolicyFile {
  private static final Map<String, Set<String>> SECTIONS = Map.of(
      "xid", Set.of("unknown", "degradedClearAfter", "overrides"),
      "ecc", Set.of("singleBitDegradedAt"),
      "retiredPages", Set.of("degradedAt"),
      "thermal", Set.of("shutdownMarginC", "hysteresisC"),
      "pcieReplay", Set.of("degradedAbovePerMinute"),
      "nvlinkErrors", Set.of("degradedAbovePerMinute"),
      "counters", Set.of("clearAfter"));

  private HealthPolicyFile() {}

  /**
   * Loads and validates a policy file.
   *
   * @throws InvalidHealthPolicyException naming the file and each field at fault
   */
  public static HealthPolicy load(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new InvalidHealthPolicyException(file.toString(), List.of(new FieldError("", "cannot read it: " + e.getMessage())));
    }
    boolean json = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json");
    return parse(file.toString(), text, json ? Json.mapper() : Json.yaml());
  }

  /** Parses policy text (tests and {@link #load}). */
  static HealthPolicy parse(String name, String text, ObjectMapper mapper) {
    JsonNode root;
    try {
      root = text.isBlank() ? mapper.createObjectNode() : mapper.readTree(text);
    } catch (JsonProcessingException e) {
      throw new InvalidHealthPolicyException(name, List.of(new FieldError("", "not valid " + (mapper == Json.mapper() ? "JSON" : "YAML")
          + ": " + e.getOriginalMessage())));
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      root = mapper.createObjectNode();
    }
    Reader r = new Reader();
    HealthPolicy d = HealthPolicy.defaults();
    if (!root.isObject()) {
      r.error("", "expected a mapping of sections (" + String.join(", ", new TreeMap<>(SECTIONS).keySet()) + ")");
      throw new InvalidHealthPolicyException(name, r.errors);
    }
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String section = it.next();
      Set<String> keys = SECTIONS.get(section);
      if (keys == null) {
        r.error("/" + section, "unknown section (known: " + String.join(", ", new TreeMap<>(SECTIONS).keySet()) + ")");
        continue;
      }
      JsonNode s = root.get(section);
      if (!s.isObject()) {
        r.error("/" + section, "expected a mapping");
        continue;
      }
      for (Iterator<String> f = s.fieldNames(); f.hasNext(); ) {
        String key = f.next();
        if (!keys.contains(key)) {
          r.error("/" + section + "/" + key, "unknown field (known: " + String.join(", ", new java.util.TreeSet<>(keys)) + ")");
        }
      }
    }
    Map<Integer, HealthStatus> xids = new TreeMap<>(d.xids());
    JsonNode overrides = root.path("xid").path("overrides");
    if (!overrides.isMissingNode() && !overrides.isNull()) {
      if (!overrides.isObject()) {
        r.error("/xid/overrides", "expected a mapping of XID number to healthy, degraded or unhealthy");
      } else {
        for (Iterator<Map.Entry<String, JsonNode>> it = overrides.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          String pointer = "/xid/overrides/" + e.getKey();
          Integer xid = null;
          try {
            xid = Integer.parseInt(e.getKey().trim());
          } catch (NumberFormatException ex) {
            r.error(pointer, "'" + e.getKey() + "' is not an XID number");
          }
          if (xid != null && (xid < 1 || xid > 65535)) {
            r.error(pointer, "XID numbers are 1 to 65535");
            xid = null;
          }
          HealthStatus status = r.status(pointer, e.getValue());
          if (xid != null && status != null) {
            xids.put(xid, status);
          }
        }
      }
    }
    HealthStatus unknown = r.statusOr("/xid/unknown", root.path("xid").path("unknown"), d.unknownXid());
    Duration xidClear = r.durationOr("/xid/degradedClearAfter", root.path("xid").path("degradedClearAfter"), d.degradedXidClearAfter());
    long sbe = r.numberOr("/ecc/singleBitDegradedAt", root.path("ecc").path("singleBitDegradedAt"), d.eccSbeDegradedAt(), 1, Long.MAX_VALUE);
    long pages = r.numberOr("/retiredPages/degradedAt", root.path("retiredPages").path("degradedAt"), d.retiredPagesDegradedAt(), 1, 100_000);
    long margin = r.numberOr("/thermal/shutdownMarginC", root.path("thermal").path("shutdownMarginC"), d.thermalShutdownMarginC(), 0, 50);
    long hyst = r.numberOr("/thermal/hysteresisC", root.path("thermal").path("hysteresisC"), d.thermalHysteresisC(), 0, 50);
    long pcie = r.numberOr("/pcieReplay/degradedAbovePerMinute", root.path("pcieReplay").path("degradedAbovePerMinute"),
        d.pcieReplaysPerMinute(), 0, Long.MAX_VALUE);
    long nvlink = r.numberOr("/nvlinkErrors/degradedAbovePerMinute", root.path("nvlinkErrors").path("degradedAbovePerMinute"),
        d.nvlinkErrorsPerMinute(), 0, Long.MAX_VALUE);
    Duration counterClear = r.durationOr("/counters/clearAfter", root.path("counters").path("clearAfter"), d.counterClearAfter());
    if (!r.errors.isEmpty()) {
      throw new InvalidHealthPolicyException(name, r.errors);
    }
    return new HealthPolicy(xids, unknown, xidClear, sbe, (int) pages, (int) margin, (int) hyst, pcie, nvlink, counterClear);
  }

  /** Reads typed values, collecting every error instead of stopping at the first. */
  private static final class Reader {
    final List<FieldError> errors = new ArrayList<>();

    void error(String pointer, String message) {
      errors.add(new FieldError(pointer, message));
    }

    HealthStatus status(String pointer, JsonNode n) {
      if (n.isTextual()) {
        try {
          return HealthStatus.valueOf(n.asText().trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
          // reported below
        }
      }
      error(pointer, "expected healthy, degraded or unhealthy, got " + n);
      return null;
    }

    HealthStatus statusOr(String pointer, JsonNode n, HealthStatus dflt) {
      if (n.isMissingNode()) {
        return dflt;
      }
      HealthStatus s = status(pointer, n);
      return s == null ? dflt : s;
    }

    Duration durationOr(String pointer, JsonNode n, Duration dflt) {
      if (n.isMissingNode()) {
        return dflt;
      }
      if (!n.isTextual()) {
        error(pointer, "expected a duration such as 30s, 10m or 1h, got " + n);
        return dflt;
      }
      try {
        Duration d = Durations.parse(n.asText().trim());
        if (d.isNegative() || d.isZero()) {
          error(pointer, "must be positive, got '" + n.asText() + "'");
          return dflt;
        }
        return d;
      } catch (IllegalArgumentException e) {
        error(pointer, "invalid duration '" + n.asText() + "': " + e.getMessage());
        return dflt;
      }
    }

    long numberOr(String pointer, JsonNode n, long dflt, long min, long max) {
      if (n.isMissingNode()) {
        return dflt;
      }
      if (!n.isIntegralNumber() || !n.canConvertToLong()) {
        error(pointer, "expected a whole number, got " + n);
        return dflt;
      }
      long v = n.asLong();
      if (v < min || v > max) {
        error(pointer, "must be between " + min + " and " + max + ", got " + v);
        return dflt;
      }
      return v;
    }
  }
}
