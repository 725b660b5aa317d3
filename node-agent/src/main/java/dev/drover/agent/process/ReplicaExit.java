package dev.drover.agent.process;

import dev.drover.protocol.agent.Termination;
import java.time.Instant;

/**
 * How a replica process ended.
 *
 * @param exitCode the process exit code; 128+signal when a signal ended it
 */
public record ReplicaExit(int exitCode, Termination termination, String message, Instant finishedAt) {}
