package dev.drover.cli;

import dev.drover.protocol.api.GpuView;
import dev.drover.protocol.api.JobEventView;
import dev.drover.protocol.api.JobEvents;
import dev.drover.protocol.api.JobState;
import dev.drover.protocol.api.JobView;
import dev.drover.protocol.api.NodeView;
import dev.drover.protocol.api.ReplicaView;
import dev.drover.protocol.spec.JobSpec;
import dev.drover.protocol.spec.Resources;
import dev.drover.protocol.spec.RestartPolicy;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** API objects as a coordinator would return them, relative to {@link CliRun#NOW}. */
final class Fixtures {
  private Fixtures() {}

  static Instant minutesAgo(long m) {
    return CliRun.NOW.minusSeconds(m * 60);
  }

  static JobSpec spec() {
    return new JobSpec("drover/v1", "hello", "default", 0, 2, new Resources(1, 1.0, "1Gi"),
        List.of("/bin/sh", "-c", "echo hi"), List.of(), Map.of("FOO", "bar"), null, null,
        new RestartPolicy(0, "10s"), "30s", "normal", false, dev.drover.protocol.spec.PlacementSpec.DEFAULT, "TERM");
  }

  static JobView pending(String id) {
    return new JobView(id, "hello", "default", 0, "alice", JobState.PENDING, 1, 0, 2, 1,
        "waiting for 2 GPUs: 3 nodes have too few free GPUs", null, minutesAgo(3), null, null, spec(), List.of());
  }

  static JobView running(String id) {
    List<ReplicaView> replicas = List.of(
        new ReplicaView(0, "a-1", "gpu-node-1", List.of(0, 1), List.of("GPU-aaa", "GPU-bbb"), "RUNNING", 4242L, null, null, null, minutesAgo(2), null),
        new ReplicaView(1, "a-2", "gpu-node-2", List.of(3), List.of("GPU-ccc"), "EXITED", 77L, 3, "EXITED", "exited with code 3", minutesAgo(2), minutesAgo(1)));
    return new JobView(id, "train", "research", 10, "bob", JobState.RUNNING, 2, 1, 2, 2, null, null,
        minutesAgo(90), minutesAgo(2), null, spec(), replicas);
  }

  static JobEvents events(String id) {
    return new JobEvents(id, List.of(
        new JobEventView(1, "JobSubmitted", minutesAgo(90), "submitted by bob", Map.of()),
        new JobEventView(2, "ReplicaStarted", minutesAgo(2), "replica 0 started on gpu-node-1", Map.of("rank", 0))));
  }

  static NodeView node(String name, boolean cordoned) {
    List<GpuView> gpus = List.of(
        new GpuView(0, "GPU-aaa", "NVIDIA H100 80GB HBM3", 80L << 30, "0000:18:00.0", "Healthy", "j-1/0", 97, 40L << 30, 61, 612.4),
        new GpuView(1, "GPU-bbb", "NVIDIA H100 80GB HBM3", 80L << 30, "0000:2a:00.0", "Healthy", null, null, null, null, null));
    return new NodeView(name, "10.0.0.7", "Ready", !cordoned, cordoned, false, cordoned ? "bad fan" : null, "nvml",
        "550.54", "0.1.0", 64, 512L << 30, Map.of("zone", "a", "gpu", "h100"), 2, 1, gpus, List.of("a-1 j-1/0 GPUs 0"),
        minutesAgo(600), minutesAgo(0));
  }
}
