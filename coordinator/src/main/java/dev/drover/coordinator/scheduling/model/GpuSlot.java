package dev.drover.coordinator.scheduling.model;

import java.util.Objects;

/** One physical GPU of a node as the scheduler sees it: its index for CUDA_VISIBLE_DEVICES and its health. */
public record GpuSlot(int index, String uuid, boolean healthy) {
    public GpuSlot {
        if (index < 0) {
            throw new IllegalArgumentException("GPU index must be >= 0: " + index);
        }
        Objects.requireNonNull(uuid, "uuid");
    }
}
