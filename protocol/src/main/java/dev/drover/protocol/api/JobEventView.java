package dev.drover.protocol.api;

import java.time.Instant;
import java.util.Map;

/**
 * One event of a job's journaled history.
 *
 * @param seq the event's sequence number in the job's journal
 * @param type the event name, e.g. JobSubmitted, ReplicaStarted
 * @param summary one readable line
 * @param details the event's fields
 */
public record JobEventView(long seq, String type, Instant at, String summary, Map<String, Object> details) {}
