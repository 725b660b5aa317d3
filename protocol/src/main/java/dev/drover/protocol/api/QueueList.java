package dev.drover.protocol.api;

import java.util.List;

/** Every queue, parents before their children. */
public record QueueList(List<QueueView> items) {}
