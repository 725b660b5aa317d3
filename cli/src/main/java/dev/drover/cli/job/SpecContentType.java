package dev.drover.cli.job;

/** The content type a job spec is sent with: from the file's extension, or from its first character. */
public final class SpecContentType {
  public static final String JSON = "application/json";
  public static final String YAML = "application/yaml";

  private SpecContentType() {}

  /** .json is JSON, .yaml/.yml is YAML; any other name (or stdin, name null) is judged by the content. */
  public static String of(String fileName, byte[] body) {
    if (fileName != null) {
      String n = fileName.toLowerCase(java.util.Locale.ROOT);
      if (n.endsWith(".json")) return JSON;
      if (n.endsWith(".yaml") || n.endsWith(".yml")) return YAML;
    }
    // A JSON spec is an object, so it starts with '{'; everything else is treated as YAML, of which
    // JSON is a subset anyway.
    for (byte b : body) {
      if (b == ' ' || b == '\t' || b == '\r' || b == '\n') continue;
      if (b == (byte) 0xEF) continue; // UTF-8 byte order mark
      return b == '{' ? JSON : YAML;
    }
    return YAML;
  }
}
