package dev.drover.protocol.api;

import java.util.List;

/** Every node known to the cluster. */
public record NodeList(List<NodeView> items) {}
