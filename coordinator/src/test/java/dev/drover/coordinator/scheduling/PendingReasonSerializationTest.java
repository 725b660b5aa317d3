package dev.drover.coordinator.scheduling;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.drover.coordinator.scheduling.model.PendingReason;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The scheduler singleton answers pending reasons as a CBOR message; the new fields (position, quota,
 * reserved start) and the old three-field constructor must not confuse Jackson's record handling.
 */
class PendingReasonSerializationTest {

    @Test
    void pendingReasonsRoundTripThroughCbor() throws Exception {
        ObjectMapper cbor = CBORMapper.builder().addModule(new JavaTimeModule()).build();
        SchedulerSingleton.PendingReasons reasons = new SchedulerSingleton.PendingReasons(Map.of(
                "j1", new PendingReason(PendingReason.QUOTA_EXCEEDED, "needs 8 GPUs", Map.of("GpuFit", 3), 4,
                        "queue research uses 24 of 24 guaranteed + 8 of 8 borrowable GPUs", Instant.parse("2025-01-01T02:00:00Z")),
                "j2", new PendingReason(PendingReason.INSUFFICIENT_GPUS, "short", Map.of())));
        byte[] bytes = cbor.writeValueAsBytes(reasons);
        assertEquals(reasons, cbor.readValue(bytes, SchedulerSingleton.PendingReasons.class));
    }
}
