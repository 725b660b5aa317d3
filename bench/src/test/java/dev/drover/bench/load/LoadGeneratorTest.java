package dev.drover.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** How a job's journaled history (GET /api/v1/jobs/{id}/events) gives its scheduled and running times. */
class LoadGeneratorTest {
    private static JsonNode history(String events) throws Exception {
        return new ObjectMapper().readTree("{\"jobId\":\"j-1\",\"events\":[" + events + "]}");
    }

    private static String event(String type, String at, int attempt, int rank) {
        return "{\"seq\":1,\"type\":\"" + type + "\",\"at\":\"" + at + "\",\"summary\":\"\",\"details\":{\"attempt\":" + attempt
                + ",\"rank\":" + rank + "}}";
    }

    @Test
    void aOneReplicaJobRunsWhenItsReplicaStarted() throws Exception {
        JsonNode h = history(String.join(",",
                event("JobSubmitted", "2026-11-23T10:00:00Z", 1, 0),
                event("JobScheduled", "2026-11-23T10:00:00.120Z", 1, 0),
                event("ReplicaStarted", "2026-11-23T10:00:00.450Z", 1, 0),
                event("ReplicaExited", "2026-11-23T10:00:00.460Z", 1, 0)));
        assertEquals(Instant.parse("2026-11-23T10:00:00.120Z"), LoadGenerator.firstScheduled(h));
        assertEquals(Instant.parse("2026-11-23T10:00:00.450Z"), LoadGenerator.running(h, 1));
    }

    @Test
    void aGangRunsWhenItsLastReplicaOfOneAttemptStarted() throws Exception {
        JsonNode h = history(String.join(",",
                event("JobScheduled", "2026-11-23T10:00:01Z", 1, 0),
                // attempt 1: only rank 0 started before the gang was restarted
                event("ReplicaStarted", "2026-11-23T10:00:02Z", 1, 0),
                event("JobScheduled", "2026-11-23T10:00:05Z", 2, 0),
                event("ReplicaStarted", "2026-11-23T10:00:07Z", 2, 1),
                event("ReplicaStarted", "2026-11-23T10:00:06Z", 2, 0)));
        assertEquals(Instant.parse("2026-11-23T10:00:01Z"), LoadGenerator.firstScheduled(h));
        assertEquals(Instant.parse("2026-11-23T10:00:07Z"), LoadGenerator.running(h, 2));
    }

    @Test
    void aJobThatNeverStartedHasNoRunningTime() throws Exception {
        JsonNode h = history(event("JobSubmitted", "2026-11-23T10:00:00Z", 1, 0));
        assertNull(LoadGenerator.firstScheduled(h));
        assertNull(LoadGenerator.running(h, 1));
    }

    @Test
    void aJobIsFinishedAtItsFinalEvent() throws Exception {
        JsonNode h = history(String.join(",",
                event("JobScheduled", "2026-11-23T10:00:00.120Z", 1, 0),
                event("ReplicaStarted", "2026-11-23T10:00:00.450Z", 1, 0),
                event("ReplicaExited", "2026-11-23T10:00:00.460Z", 1, 0),
                event("JobSucceeded", "2026-11-23T10:00:00.470Z", 1, 0)));
        assertEquals(Instant.parse("2026-11-23T10:00:00.470Z"), LoadGenerator.finished(h));
        assertNull(LoadGenerator.finished(history(event("ReplicaStarted", "2026-11-23T10:00:00.450Z", 1, 0))));
    }

    @Test
    void theFinalJobsAreCountedFromTheJobsGaugeOverEveryQueue() {
        String page = String.join("\n",
                "# TYPE drover_jobs gauge",
                "drover_jobs{queue=\"default\",state=\"PENDING\"} 4.0",
                "drover_jobs{queue=\"default\",state=\"SUCCEEDED\"} 120.0",
                "drover_jobs{queue=\"research\",state=\"SUCCEEDED\"} 3.0",
                "drover_jobs{queue=\"default\",state=\"FAILED\"} 2.0",
                "drover_jobs{queue=\"default\",state=\"CANCELLED\"} 1.0",
                "drover_jobs_other{state=\"SUCCEEDED\"} 99.0");
        assertEquals(126, LoadGenerator.finalJobs(page));
        assertEquals(-1, LoadGenerator.finalJobs("# metrics off\n"));
    }
}
