package dev.drover.protocol.spec;

/**
 * What one replica needs on one node.
 *
 * @param gpus whole GPUs per replica (0 for a CPU-only replica)
 * @param cpus CPU cores per replica, fractions allowed
 * @param memory memory per replica as a quantity, e.g. 16Gi
 */
public record Resources(Integer gpus, Double cpus, String memory) {
  public static final Resources DEFAULT = new Resources(0, 1.0, "1Gi");

  /** Memory in bytes; valid only after validation. */
  public long memoryBytes() {
    return Quantities.parseBytes(memory);
  }
}
