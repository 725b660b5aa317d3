package dev.drover.agent.gpu;

import java.util.ArrayList;
import java.util.List;

/**
 * Names of the bits of NVML's clock event reasons ({@code nvmlClocksEventReason*}, formerly
 * {@code nvmlClocksThrottleReason*}): why the clocks are below their maximum right now.
 */
public final class ClockEventReasons {
  private static final String[] NAMES = {
    "GPU_IDLE", // 0x1
    "APPLICATIONS_CLOCKS_SETTING", // 0x2
    "SW_POWER_CAP", // 0x4
    "HW_SLOWDOWN", // 0x8
    "SYNC_BOOST", // 0x10
    "SW_THERMAL_SLOWDOWN", // 0x20
    "HW_THERMAL_SLOWDOWN", // 0x40
    "HW_POWER_BRAKE_SLOWDOWN", // 0x80
    "DISPLAY_CLOCK_SETTING", // 0x100
  };

  private ClockEventReasons() {}

  /** The names of the set bits in bit order; a bit NVML adds later is reported as UNKNOWN_0x... */
  public static List<String> decode(long mask) {
    List<String> out = new ArrayList<>();
    for (int bit = 0; bit < 64; bit++) {
      long b = 1L << bit;
      if ((mask & b) != 0) {
        out.add(bit < NAMES.length ? NAMES[bit] : "UNKNOWN_0x" + Long.toHexString(b));
      }
    }
    return out;
  }

  /** The mask of the given names (for simulations and tests). */
  public static long encode(List<String> names) {
    long mask = 0;
    for (String n : names) {
      int i = List.of(NAMES).indexOf(n);
      if (i < 0) {
        throw new IllegalArgumentException("unknown clock event reason " + n);
      }
      mask |= 1L << i;
    }
    return mask;
  }
}
