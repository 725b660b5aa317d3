package dev.drover.agent.health;

import dev.drover.protocol.agent.HealthStatus;
import java.time.Instant;

/**
 * An XID the agent saw, with the policy's verdict; kept in memory (the last few) so that XIDs
 * which leave the GPU healthy (application errors) are still visible.
 */
public record RecordedXid(int gpu, long xid, HealthStatus verdict, String description, Instant at) {}
