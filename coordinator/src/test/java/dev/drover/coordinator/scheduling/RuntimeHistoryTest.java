package dev.drover.coordinator.scheduling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.drover.coordinator.scheduling.plugin.RuntimeHistory;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class RuntimeHistoryTest {

    private static Duration s(long seconds) {
        return Duration.ofSeconds(seconds);
    }

    @ParameterizedTest
    @CsvSource({"1,1", "2,2-4", "4,2-4", "5,5-8", "8,5-8", "9,9-16", "16,9-16", "17,17-64", "64,17-64", "65,>64", "128,>64"})
    void gpuBuckets(long gpus, String bucket) {
        assertEquals(bucket, RuntimeHistory.gpuBucket(gpus));
    }

    @Test
    void nothingToSayUntilMinSamplesRunsFinished() {
        RuntimeHistory history = new RuntimeHistory(50, 3);
        assertEquals(Optional.empty(), history.estimate("q", 1, null));
        history.record("q", 1, null, s(10));
        history.record("q", 1, null, s(20));
        assertEquals(Optional.empty(), history.estimate("q", 1, null));
        history.record("q", 1, null, s(1000));
        assertEquals(Optional.of(s(20)), history.estimate("q", 1, null), "median, not mean: one long run does not drag it");
    }

    @Test
    void mostSpecificKindWithEnoughRunsAnswers() {
        RuntimeHistory history = new RuntimeHistory(50, 2);
        for (int i = 0; i < 2; i++) {
            history.record("q", 8, "bert", s(5000));
            history.record("q", 1, null, s(60));
            history.record("other", 1, null, s(7));
        }
        assertEquals(Optional.of(s(5000)), history.estimate("q", 8, "bert"), "same queue, bucket and name");
        assertEquals(Optional.of(s(5000)), history.estimate("q", 6, "resnet"), "unknown name: same queue and bucket 5-8");
        assertEquals(Optional.of(s(60)), history.estimate("q", 1, "bert"), "the name is only looked up within its bucket");
        assertEquals(Optional.of(s(60)), history.estimate("q", 32, null), "no 17-64 runs: the queue's lower median");
        assertEquals(Optional.of(s(60)), history.estimate("new-queue", 1, null), "unknown queue: the lower median of 7, 7, 60, 60, 5000, 5000");
    }

    @Test
    void onlyTheLastWindowRunsCount() {
        RuntimeHistory history = new RuntimeHistory(3, 1);
        for (long runtime : new long[] {1000, 1000, 1000, 5, 6, 7}) {
            history.record("q", 1, null, s(runtime));
        }
        assertEquals(Optional.of(s(6)), history.estimate("q", 1, null));
    }

    @Test
    void rejectsBadSettingsAndNegativeRuntimes() {
        assertThrows(IllegalArgumentException.class, () -> new RuntimeHistory(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new RuntimeHistory(5, 6));
        assertThrows(IllegalArgumentException.class, () -> new RuntimeHistory().record("q", 1, null, s(-1)));
    }
}
