package dev.drover.protocol.agent;

/**
 * How usable a GPU (or a node) is. Ordered by severity: a GPU's status is the worst of its
 * conditions.
 */
public enum HealthStatus {
  /** Nothing wrong. */
  HEALTHY,
  /** Usable, but something is worth an operator's look (corrected errors, a thermal slowdown). */
  DEGRADED,
  /** Must not run work: excluded from placement, its replicas are stopped. */
  UNHEALTHY;

  /** The worse of the two. */
  public HealthStatus worst(HealthStatus other) {
    return other != null && other.ordinal() > ordinal() ? other : this;
  }

  /** "Healthy", "Degraded", "Unhealthy": how the API and the CLI print it. */
  public String display() {
    String n = name();
    return n.charAt(0) + n.substring(1).toLowerCase(java.util.Locale.ROOT);
  }
}
