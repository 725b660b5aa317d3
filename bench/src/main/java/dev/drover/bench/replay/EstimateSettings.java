package dev.drover.bench.replay;

import dev.drover.coordinator.scheduling.plugin.ExpectedRuntimeJobOrder;
import dev.drover.coordinator.scheduling.plugin.RuntimeHistory;

/** How the {@code default} policy estimates runtimes and ages them: the core's defaults unless a replay tunes them. */
record EstimateSettings(double agingRate, int historyWindow, int historyMinSamples) {

    static final EstimateSettings DEFAULTS = new EstimateSettings(ExpectedRuntimeJobOrder.DEFAULT_AGING_RATE,
            RuntimeHistory.DEFAULT_WINDOW, RuntimeHistory.DEFAULT_MIN_SAMPLES);
}
