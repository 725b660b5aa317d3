package dev.drover.coordinator.scheduling.plugin;

import java.util.Map;
import java.util.TreeMap;

/** Renders label constraints the same way in every reason: "gpu=h100, rack=r7", sorted by key. */
public final class LabelText {

    private LabelText() {
    }

    public static String of(Map<String, String> labels) {
        StringBuilder text = new StringBuilder();
        new TreeMap<>(labels).forEach((key, value) -> text.append(text.isEmpty() ? "" : ", ").append(key).append('=').append(value));
        return text.toString();
    }
}
