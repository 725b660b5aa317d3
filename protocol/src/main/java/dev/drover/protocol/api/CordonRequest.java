package dev.drover.protocol.api;

/** Optional body of cordon and drain: why, for the node's history. */
public record CordonRequest(String reason) {}
