package dev.drover.coordinator.scheduling.plugin;

import java.util.Objects;

/** A scorer with the weight its normalized score is multiplied by before scores are summed. */
public record WeightedScorer(NodeScorer scorer, double weight) {
    public WeightedScorer {
        Objects.requireNonNull(scorer, "scorer");
        if (!(weight >= 0)) {
            throw new IllegalArgumentException("weight must be >= 0: " + weight);
        }
    }
}
