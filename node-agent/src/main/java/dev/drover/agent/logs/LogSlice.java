package dev.drover.agent.logs;

/**
 * Bytes read from a replica log.
 *
 * @param offset logical offset of the first byte of data (at least the oldest retained offset)
 * @param nextOffset where the next read continues
 * @param end logical end of the log when read
 */
public record LogSlice(long offset, long nextOffset, long end, byte[] data) {}
