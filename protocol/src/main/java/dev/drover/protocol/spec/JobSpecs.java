package dev.drover.protocol.spec;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.drover.protocol.Json;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Parses, validates and normalizes job specs; every error names the field at fault. */
public final class JobSpecs {
  /** Names of jobs, queues and nodes: letters, digits, '.', '_' and '-', starting with a letter or digit. */
  public static final Pattern NAME = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$");

  private static final Pattern ENV_NAME = Pattern.compile("^[A-Za-z_][A-Za-z0-9_]*$");
  /** Environment variables the agent sets for every replica; a spec may not override them. */
  public static final Set<String> RESERVED_ENV =
      Set.of(
          "CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES", "CUDA_DEVICE_ORDER", "WORLD_SIZE", "RANK",
          "LOCAL_RANK", "LOCAL_WORLD_SIZE", "NODE_RANK", "NUM_NODES", "MASTER_ADDR", "MASTER_PORT");

  public static final int MAX_REPLICAS = 4096;
  public static final int MAX_GPUS_PER_REPLICA = 64;
  public static final double MAX_CPUS_PER_REPLICA = 1024;
  public static final long MAX_MEMORY_PER_REPLICA = 64L << 40;
  public static final int MAX_PRIORITY = 1_000_000;
  public static final int MAX_RESTARTS = 100;
  public static final Duration MAX_RUNTIME = Duration.ofDays(30);
  public static final Duration MAX_GRACE = Duration.ofHours(1);
  public static final Duration MAX_BACKOFF = Duration.ofHours(1);
  public static final int MAX_COMMAND_ELEMENTS = 4096;
  public static final int MAX_ENV_ENTRIES = 1024;
  public static final int MAX_STRING = 64 * 1024;

  private static final List<String> FIELDS =
      List.of(
          "apiVersion", "name", "queue", "priority", "replicas", "resources", "command", "args", "env",
          "workingDir", "maxRuntime", "restartPolicy", "terminationGracePeriod", "gpus", "cpus", "memory",
          "maxRestarts", "backoff", "priorityClass", "preemptible", "placement", "strategy", "requireLabels",
          "preferLabels", "stopSignal");
  private static final Pattern LABEL = Pattern.compile("^[A-Za-z0-9]([A-Za-z0-9._/-]{0,61}[A-Za-z0-9])?$");
  private static final Pattern LABEL_VALUE = Pattern.compile("^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$");

  private JobSpecs() {}

  /** The format of a request body. */
  public enum Format {
    JSON,
    YAML;

    /** Picks the format from a content type or a file name; JSON unless it says YAML. */
    public static Format detect(String contentTypeOrFileName) {
      if (contentTypeOrFileName == null) return JSON;
      String s = contentTypeOrFileName.toLowerCase(java.util.Locale.ROOT);
      return s.contains("yaml") || s.endsWith(".yml") ? YAML : JSON;
    }
  }

  /** Parses, validates and normalizes a spec in one step (priority classes unresolved: 0 unless given). */
  public static JobSpec parseValidated(byte[] body, Format format) throws InvalidSpecException {
    JobSpec spec = parse(body, format);
    List<FieldError> errors = validate(spec);
    if (!errors.isEmpty()) throw new InvalidSpecException(errors);
    return normalize(spec);
  }

  /** Parses, validates, resolves the priority class and normalizes: what the coordinator stores. */
  public static JobSpec parseValidated(byte[] body, Format format, Map<String, Integer> priorityClasses, String defaultClass)
      throws InvalidSpecException {
    JobSpec spec = parse(body, format);
    List<FieldError> errors = validate(spec);
    if (!errors.isEmpty()) throw new InvalidSpecException(errors);
    return normalize(resolvePriority(spec, priorityClasses, defaultClass));
  }

  /** Parses a body; unknown fields, wrong types and malformed documents are errors with a pointer. */
  public static JobSpec parse(byte[] body, Format format) throws InvalidSpecException {
    if (body == null || body.length == 0) {
      throw new InvalidSpecException("", "the request body is empty; expected a job spec");
    }
    ObjectMapper mapper = format == Format.YAML ? Json.yaml() : Json.mapper();
    try {
      JobSpec spec = mapper.readValue(body, JobSpec.class);
      if (spec == null) throw new InvalidSpecException("", "the document is empty; expected a job spec");
      return spec;
    } catch (UnrecognizedPropertyException e) {
      String field = e.getPropertyName();
      String hint = suggestion(field, e.getKnownPropertyIds());
      throw new InvalidSpecException(
          pointer(e), "unknown field '" + field + "'" + hint);
    } catch (InvalidFormatException e) {
      throw new InvalidSpecException(
          pointer(e), "'" + e.getValue() + "' is not a valid " + typeName(e.getTargetType()));
    } catch (MismatchedInputException e) {
      String where = pointer(e);
      if (where.isEmpty()) {
        throw new InvalidSpecException("", "expected a job spec object" + at(e.getLocation()));
      }
      throw new InvalidSpecException(where, "expected " + typeName(e.getTargetType()));
    } catch (JsonMappingException e) {
      throw new InvalidSpecException(pointer(e), firstLine(e.getOriginalMessage()));
    } catch (JsonProcessingException e) {
      throw new InvalidSpecException(
          "", "malformed " + format.name() + at(e.getLocation()) + ": " + firstLine(e.getOriginalMessage()));
    } catch (IOException e) {
      throw new InvalidSpecException("", "unreadable body: " + e.getMessage());
    }
  }

  /** Every rule a spec must satisfy before it is accepted; empty when valid. */
  public static List<FieldError> validate(JobSpec s) {
    List<FieldError> errors = new ArrayList<>();
    if (s.apiVersion() != null && !JobSpec.API_VERSION.equals(s.apiVersion())) {
      errors.add(new FieldError("/apiVersion", "unsupported apiVersion '" + s.apiVersion() + "'; this server speaks " + JobSpec.API_VERSION));
    }
    name(errors, "/name", s.name(), true);
    name(errors, "/queue", s.queue(), false);
    if (s.priority() != null && Math.abs((long) s.priority()) > MAX_PRIORITY) {
      errors.add(new FieldError("/priority", "must be between -" + MAX_PRIORITY + " and " + MAX_PRIORITY));
    }
    if (s.replicas() != null && (s.replicas() < 1 || s.replicas() > MAX_REPLICAS)) {
      errors.add(new FieldError("/replicas", "must be between 1 and " + MAX_REPLICAS + ", got " + s.replicas()));
    }
    Resources r = s.resources();
    if (r != null) {
      if (r.gpus() != null && (r.gpus() < 0 || r.gpus() > MAX_GPUS_PER_REPLICA)) {
        errors.add(new FieldError("/resources/gpus", "must be between 0 and " + MAX_GPUS_PER_REPLICA + " per replica, got " + r.gpus()));
      }
      if (r.cpus() != null && (!(r.cpus() > 0) || r.cpus() > MAX_CPUS_PER_REPLICA || r.cpus().isNaN())) {
        errors.add(new FieldError("/resources/cpus", "must be more than 0 and at most " + (int) MAX_CPUS_PER_REPLICA + " per replica, got " + r.cpus()));
      }
      if (r.memory() != null) {
        try {
          long bytes = Quantities.parseBytes(r.memory());
          if (bytes <= 0 || bytes > MAX_MEMORY_PER_REPLICA) {
            errors.add(new FieldError("/resources/memory", "must be more than 0 and at most 64Ti per replica, got " + r.memory()));
          }
        } catch (IllegalArgumentException e) {
          errors.add(new FieldError("/resources/memory", e.getMessage()));
        }
      }
    }
    if (s.command() == null || s.command().isEmpty()) {
      errors.add(new FieldError("/command", "is required: the program to run and its arguments, e.g. [\"python\", \"train.py\"]"));
    } else {
      strings(errors, "/command", s.command(), true);
    }
    if (s.args() != null) strings(errors, "/args", s.args(), false);
    if (s.env() != null) {
      if (s.env().size() > MAX_ENV_ENTRIES) {
        errors.add(new FieldError("/env", "at most " + MAX_ENV_ENTRIES + " variables"));
      }
      for (Map.Entry<String, String> e : s.env().entrySet()) {
        String p = "/env/" + escape(e.getKey());
        if (!ENV_NAME.matcher(e.getKey()).matches()) {
          errors.add(new FieldError(p, "'" + e.getKey() + "' is not a valid environment variable name"));
        } else if (RESERVED_ENV.contains(e.getKey()) || e.getKey().startsWith("DROVER_")) {
          errors.add(new FieldError(p, e.getKey() + " is set by Drover for every replica and cannot be overridden"));
        }
        if (e.getValue() == null) {
          errors.add(new FieldError(p, "must be a string"));
        } else if (e.getValue().length() > MAX_STRING || e.getValue().indexOf('\0') >= 0) {
          errors.add(new FieldError(p, "must be at most 64 KiB and contain no NUL character"));
        }
      }
    }
    if (s.workingDir() != null && (!s.workingDir().startsWith("/") || s.workingDir().indexOf('\0') >= 0)) {
      errors.add(new FieldError("/workingDir", "must be an absolute path, got '" + s.workingDir() + "'"));
    }
    duration(errors, "/maxRuntime", s.maxRuntime(), Duration.ofSeconds(1), MAX_RUNTIME);
    duration(errors, "/terminationGracePeriod", s.terminationGracePeriod(), Duration.ZERO, MAX_GRACE);
    RestartPolicy rp = s.restartPolicy();
    if (rp != null) {
      if (rp.maxRestarts() != null && (rp.maxRestarts() < 0 || rp.maxRestarts() > MAX_RESTARTS)) {
        errors.add(new FieldError("/restartPolicy/maxRestarts", "must be between 0 and " + MAX_RESTARTS + ", got " + rp.maxRestarts()));
      }
      duration(errors, "/restartPolicy/backoff", rp.backoff(), Duration.ZERO, MAX_BACKOFF);
    }
    if (s.priorityClass() != null) {
      name(errors, "/priorityClass", s.priorityClass(), false);
      if (s.priority() != null) {
        errors.add(new FieldError("/priority", "give either priority or priorityClass, not both"));
      }
    }
    if (s.stopSignal() != null && !dev.drover.protocol.agent.ReplicaAssignment.STOP_SIGNALS.containsKey(s.stopSignal())) {
      errors.add(new FieldError("/stopSignal", "'" + truncate(s.stopSignal()) + "' is not a stop signal; use one of "
          + String.join(", ", new java.util.TreeSet<>(dev.drover.protocol.agent.ReplicaAssignment.STOP_SIGNALS.keySet()))));
    }
    PlacementSpec pl = s.placement();
    if (pl != null) {
      if (pl.strategy() != null && !pl.strategy().equals("pack") && !pl.strategy().equals("spread")) {
        errors.add(new FieldError("/placement/strategy", "must be 'pack' or 'spread', got '" + pl.strategy() + "'"));
      }
      labels(errors, "/placement/requireLabels", pl.requireLabels());
      labels(errors, "/placement/preferLabels", pl.preferLabels());
    }
    return errors;
  }

  private static void labels(List<FieldError> errors, String pointer, Map<String, String> labels) {
    if (labels == null) return;
    if (labels.size() > 64) errors.add(new FieldError(pointer, "at most 64 labels"));
    for (Map.Entry<String, String> e : labels.entrySet()) {
      String p = pointer + "/" + escape(e.getKey());
      if (!LABEL.matcher(e.getKey()).matches()) {
        errors.add(new FieldError(p, "'" + truncate(e.getKey()) + "' is not a valid label key: 1-63 letters, digits, '.', '_', '/' or '-'"));
      }
      if (e.getValue() == null || !LABEL_VALUE.matcher(e.getValue()).matches()) {
        errors.add(new FieldError(p, "not a valid label value: at most 63 letters, digits, '.', '_' or '-'"));
      }
    }
  }

  /**
   * Resolves the priority from the configured priority classes: a named class gives its value, a
   * bare integer is kept, neither gives the default class.
   */
  public static JobSpec resolvePriority(JobSpec s, Map<String, Integer> classes, String defaultClass)
      throws InvalidSpecException {
    String cls = s.priorityClass();
    int priority;
    if (cls != null) {
      Integer v = classes.get(cls);
      if (v == null) {
        throw new InvalidSpecException("/priorityClass", "unknown priority class '" + cls + "'; this cluster has "
            + String.join(", ", new java.util.TreeSet<>(classes.keySet())));
      }
      priority = v;
    } else if (s.priority() != null) {
      priority = s.priority();
    } else {
      cls = defaultClass;
      priority = classes.getOrDefault(defaultClass, 0);
    }
    return new JobSpec(s.apiVersion(), s.name(), s.queue(), priority, s.replicas(), s.resources(), s.command(), s.args(),
        s.env(), s.workingDir(), s.maxRuntime(), s.restartPolicy(), s.terminationGracePeriod(), cls, s.preemptible(),
        s.placement(), s.stopSignal());
  }

  /** Fills every default so the stored spec is complete and durations are in canonical form. */
  public static JobSpec normalize(JobSpec s) {
    Resources r = s.resources() == null ? Resources.DEFAULT : s.resources();
    Resources resources =
        new Resources(
            r.gpus() == null ? Resources.DEFAULT.gpus() : r.gpus(),
            r.cpus() == null ? Resources.DEFAULT.cpus() : r.cpus(),
            r.memory() == null ? Resources.DEFAULT.memory() : Quantities.formatBytes(Quantities.parseBytes(r.memory())));
    RestartPolicy rp = s.restartPolicy() == null ? RestartPolicy.DEFAULT : s.restartPolicy();
    RestartPolicy restart =
        new RestartPolicy(
            rp.maxRestarts() == null ? RestartPolicy.DEFAULT.maxRestarts() : rp.maxRestarts(),
            Durations.format(Durations.parse(rp.backoff() == null ? RestartPolicy.DEFAULT.backoff() : rp.backoff())));
    PlacementSpec pl = s.placement() == null ? PlacementSpec.DEFAULT : s.placement();
    PlacementSpec placement = new PlacementSpec(
        pl.strategy() == null ? "pack" : pl.strategy(),
        pl.requireLabels() == null ? Map.of() : new java.util.TreeMap<>(pl.requireLabels()),
        pl.preferLabels() == null ? Map.of() : new java.util.TreeMap<>(pl.preferLabels()));
    return new JobSpec(
        JobSpec.API_VERSION,
        s.name(),
        s.queue() == null ? "default" : s.queue(),
        // The coordinator calls resolvePriority first; without a class table 0 is the default.
        s.priority() == null ? 0 : s.priority(),
        s.replicas() == null ? 1 : s.replicas(),
        resources,
        List.copyOf(s.command()),
        s.args() == null ? List.of() : List.copyOf(s.args()),
        s.env() == null ? Map.of() : new LinkedHashMap<>(s.env()),
        s.workingDir(),
        s.maxRuntime() == null ? null : Durations.format(Durations.parse(s.maxRuntime())),
        restart,
        Durations.format(Durations.parse(s.terminationGracePeriod() == null ? "30s" : s.terminationGracePeriod())),
        s.priorityClass(),
        s.preemptible() == null ? Boolean.FALSE : s.preemptible(),
        placement,
        s.stopSignal() == null ? "TERM" : s.stopSignal());
  }

  private static void name(List<FieldError> errors, String pointer, String value, boolean required) {
    if (value == null) {
      if (required) errors.add(new FieldError(pointer, "is required"));
      return;
    }
    if (!NAME.matcher(value).matches()) {
      errors.add(
          new FieldError(
              pointer,
              "'" + truncate(value) + "' is not a valid name: use 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit"));
    }
  }

  private static void strings(List<FieldError> errors, String pointer, List<String> values, boolean firstNonEmpty) {
    if (values.size() > MAX_COMMAND_ELEMENTS) {
      errors.add(new FieldError(pointer, "at most " + MAX_COMMAND_ELEMENTS + " elements"));
      return;
    }
    for (int i = 0; i < values.size(); i++) {
      String v = values.get(i);
      if (v == null) {
        errors.add(new FieldError(pointer + "/" + i, "must be a string, not null"));
      } else if (v.indexOf('\0') >= 0 || v.length() > MAX_STRING) {
        errors.add(new FieldError(pointer + "/" + i, "must be at most 64 KiB and contain no NUL character"));
      } else if (i == 0 && firstNonEmpty && v.isBlank()) {
        errors.add(new FieldError(pointer + "/0", "the program to run must not be empty"));
      }
    }
  }

  private static void duration(List<FieldError> errors, String pointer, String value, Duration min, Duration max) {
    if (value == null) return;
    try {
      Duration d = Durations.parse(value);
      if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
        errors.add(new FieldError(pointer, "must be between " + Durations.format(min) + " and " + Durations.format(max) + ", got " + value));
      }
    } catch (IllegalArgumentException e) {
      errors.add(new FieldError(pointer, e.getMessage()));
    }
  }

  /** JSON pointer of the location a Jackson mapping error refers to. */
  public static String pointer(JsonMappingException e) {
    StringBuilder b = new StringBuilder();
    for (JsonMappingException.Reference ref : e.getPath()) {
      b.append('/');
      if (ref.getFieldName() != null) b.append(escape(ref.getFieldName()));
      else if (ref.getIndex() >= 0) b.append(ref.getIndex());
    }
    return b.toString();
  }

  private static String escape(String token) {
    return token.replace("~", "~0").replace("/", "~1");
  }

  private static String suggestion(String field, Collection<Object> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    List<String> candidates = new ArrayList<>();
    if (known != null) for (Object k : known) candidates.add(String.valueOf(k));
    if (candidates.isEmpty()) candidates = FIELDS;
    for (String k : candidates) {
      int d = distance(field.toLowerCase(java.util.Locale.ROOT), k.toLowerCase(java.util.Locale.ROOT));
      if (d < bestDistance) {
        bestDistance = d;
        best = k;
      }
    }
    if (best != null && bestDistance <= Math.max(2, field.length() / 3)) {
      return "; did you mean '" + best + "'?";
    }
    List<String> sorted = new ArrayList<>(candidates);
    java.util.Collections.sort(sorted);
    return "; known fields here: " + String.join(", ", sorted);
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) prev[j] = j;
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  private static String typeName(Class<?> type) {
    if (type == null) return "value";
    if (type == Integer.class || type == int.class || type == Long.class || type == long.class) return "an integer";
    if (type == Double.class || type == double.class) return "a number";
    if (type == String.class) return "a string";
    if (type == Boolean.class || type == boolean.class) return "true or false";
    if (List.class.isAssignableFrom(type)) return "an array of strings";
    if (Map.class.isAssignableFrom(type)) return "an object of string values";
    return "an object";
  }

  private static String at(JsonLocation loc) {
    if (loc == null || loc.getLineNr() < 0) return "";
    return " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
  }

  private static String firstLine(String s) {
    if (s == null) return "";
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  private static String truncate(String s) {
    return s.length() > 80 ? s.substring(0, 77) + "..." : s;
  }
}
