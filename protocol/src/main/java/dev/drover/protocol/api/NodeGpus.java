package dev.drover.protocol.api;

import dev.drover.protocol.agent.GpuLink;
import java.util.List;

/**
 * {@code GET /api/v1/nodes/{name}/gpus}: a node's GPUs with health, telemetry and topology.
 *
 * @param health the node-level health (Healthy unless the agent reports a node fault)
 * @param autoCordoned the node's cordon was set by Drover because of its health and is lifted by Drover
 * @param topology how each pair of GPUs is connected, as {@code nvidia-smi topo -m} would say
 * @param history the node's health transitions and automatic cordons, oldest first
 */
public record NodeGpus(
    String node,
    String health,
    List<HealthConditionView> nodeConditions,
    boolean autoCordoned,
    List<GpuDetail> gpus,
    List<GpuLink> topology,
    List<HealthEventView> history) {}
