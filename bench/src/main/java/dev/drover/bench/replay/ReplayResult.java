package dev.drover.bench.replay;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The outcome of a whole replay: statistics overall and per queue (in capacity-file order), plus the trace
 * rows left out because their queue has no published capacity or the job could never fit its queue.
 */
public record ReplayResult(Policy policy, ReplayStats overall, Map<String, ReplayStats> queues, long unlistedQueueRows,
                           Map<String, Long> unlistedRowsByQueue, long infeasibleJobs) {

    public ReplayResult {
        queues = Collections.unmodifiableMap(new LinkedHashMap<>(queues));
        unlistedRowsByQueue = Collections.unmodifiableMap(new LinkedHashMap<>(unlistedRowsByQueue));
    }
}
