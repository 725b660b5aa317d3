package dev.drover.coordinator;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How the coordinator acts on GPU health ({@code drover.health { }}).
 *
 * @param gpuRecoveryHold a GPU that turns healthy again stays out of placement this long (damps a
 *     flapping card)
 * @param autoCordonFraction a node is cordoned automatically when more than this fraction of its GPUs
 *     is unhealthy (0.5: "mostly unhealthy")
 * @param autoUncordonHold an automatically cordoned node is uncordoned once its fault has been gone
 *     this long
 * @param autoUncordonMaxHold each automatic cordon within {@code flapWindow} of an earlier one
 *     doubles the hold, up to this
 * @param flapWindow how far back earlier automatic cordons count towards the doubling
 * @param telemetryHistory telemetry samples kept in memory per GPU for the API
 */
public record HealthSettings(
    Duration gpuRecoveryHold,
    double autoCordonFraction,
    Duration autoUncordonHold,
    Duration autoUncordonMaxHold,
    Duration flapWindow,
    int telemetryHistory) {

  public static final HealthSettings DEFAULTS =
      new HealthSettings(Duration.ofMinutes(1), 0.5, Duration.ofMinutes(5), Duration.ofHours(1), Duration.ofHours(1), 120);

  static HealthSettings from(Config c) {
    return new HealthSettings(
        c.getDuration("gpu-recovery-hold"),
        c.getDouble("auto-cordon-unhealthy-fraction"),
        c.getDuration("auto-uncordon-hold"),
        c.getDuration("auto-uncordon-max-hold"),
        c.getDuration("flap-window"),
        c.getInt("telemetry-history"));
  }

  /**
   * The hold before an automatic uncordon, given how many automatic cordons (this one included) fell
   * within the flap window: hold, 2 x hold, 4 x hold, ... up to the maximum.
   */
  public Duration holdAfter(int recentCordons) {
    Duration hold = autoUncordonHold;
    for (int i = 1; i < recentCordons && hold.compareTo(autoUncordonMaxHold) < 0; i++) hold = hold.multipliedBy(2);
    return hold.compareTo(autoUncordonMaxHold) > 0 ? autoUncordonMaxHold : hold;
  }

  List<String> problems() {
    List<String> p = new ArrayList<>();
    if (gpuRecoveryHold.isNegative()) p.add("drover.health.gpu-recovery-hold must not be negative");
    if (!(autoCordonFraction >= 0 && autoCordonFraction < 1)) {
      p.add("drover.health.auto-cordon-unhealthy-fraction must be at least 0 and below 1, got " + autoCordonFraction);
    }
    if (autoUncordonHold.isNegative()) p.add("drover.health.auto-uncordon-hold must not be negative");
    if (autoUncordonMaxHold.compareTo(autoUncordonHold) < 0) {
      p.add("drover.health.auto-uncordon-max-hold must be at least drover.health.auto-uncordon-hold");
    }
    if (flapWindow.isNegative()) p.add("drover.health.flap-window must not be negative");
    if (telemetryHistory < 1 || telemetryHistory > 10_000) {
      p.add("drover.health.telemetry-history must be between 1 and 10000, got " + telemetryHistory);
    }
    return p;
  }
}
