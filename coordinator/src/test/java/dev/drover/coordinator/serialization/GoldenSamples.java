package dev.drover.coordinator.serialization;

import dev.drover.coordinator.job.JobEntity;
import dev.drover.coordinator.job.ReplicaRecord;
import dev.drover.coordinator.job.ReplicaSlot;
import dev.drover.coordinator.node.NodeEntity;
import dev.drover.coordinator.node.NodeHealth;
import dev.drover.protocol.agent.GpuLink;
import dev.drover.coordinator.queue.QueueRegistry;
import dev.drover.coordinator.scheduling.SchedulerSingleton;
import dev.drover.coordinator.scheduling.model.Preemption;
import dev.drover.protocol.agent.DesiredPhase;
import dev.drover.protocol.agent.GpuDevice;
import dev.drover.protocol.agent.NodeInventory;
import dev.drover.protocol.agent.ReplicaAssignment;
import dev.drover.protocol.api.JobState;
import dev.drover.protocol.spec.JobSpec;
import dev.drover.protocol.spec.PlacementSpec;
import dev.drover.protocol.spec.Resources;
import dev.drover.protocol.spec.RestartPolicy;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One fully populated instance of every persisted type: every optional field set, every collection
 * non-empty, so a golden file written from it holds every field of the type and of what it nests.
 *
 * <p>The values are frozen once their golden files exist: an existing golden file must keep reading as
 * its sample. When a type gains a field, set the field here too (GoldenEventsTest then asks for a new
 * golden file of that shape); never change a value that is already there.
 */
final class GoldenSamples {
  private GoldenSamples() {}

  static final Instant T0 = Instant.parse("2026-03-02T09:15:30.123456Z");
  static final String JOB = "j-5f0c2a9e81d3b4a7";
  static final String OTHER_JOB = "j-77a1c0de4f2b9e30";
  static final String NODE = "gpu-node-07";
  static final String NODE_2 = "gpu-node-08";

  static Instant at(int seconds) {
    return T0.plusSeconds(seconds);
  }

  static final JobSpec SPEC = new JobSpec(
      JobSpec.API_VERSION,
      "llama-finetune",
      "research",
      1000,
      2,
      new Resources(4, 12.5, "96Gi"),
      List.of("torchrun", "train.py"),
      List.of("--epochs", "3", "--lr", "2e-5"),
      linked("NCCL_DEBUG", "INFO", "HF_HOME", "/scratch/hf"),
      "/home/alice/llama",
      "12h",
      new RestartPolicy(3, "30s"),
      "45s",
      "high",
      true,
      new PlacementSpec("spread", linked("gpu", "h100"), linked("rack", "r12")),
      "USR1");

  static final ReplicaSlot SLOT_0 = new ReplicaSlot(0, ReplicaSlot.allocationId(JOB, 2, 0), NODE, "10.0.4.7",
      List.of(0, 1, 2, 3), List.of("GPU-0a1b", "GPU-1c2d", "GPU-2e3f", "GPU-3a4b"), 0, 0, 1);
  static final ReplicaSlot SLOT_1 = new ReplicaSlot(1, ReplicaSlot.allocationId(JOB, 2, 1), NODE_2, "10.0.4.8",
      List.of(4, 5, 6, 7), List.of("GPU-4c5d", "GPU-5e6f", "GPU-6a7b", "GPU-7c8d"), 1, 0, 1);

  static final NodeInventory INVENTORY = new NodeInventory(
      "nvml",
      "550.54.15",
      List.of(
          new GpuDevice(0, "GPU-0a1b", "NVIDIA H100 80GB HBM3", 85_899_345_920L, "00000000:1B:00.0", 0, "1652823054321",
              "Disabled"),
          new GpuDevice(1, "GPU-1c2d", "NVIDIA H100 80GB HBM3", 85_899_345_920L, "00000000:43:00.0", 1, "1652823054322",
              "Enabled")),
      96,
      1_099_511_627_776L,
      linked("rack", "r12", "gpu", "h100"),
      29400,
      29599,
      List.of(new GpuLink(0, 1, "NVLINK", 18)));

  static final NodeHealth.Condition XID_79 = new NodeHealth.Condition("XID", "UNHEALTHY",
      "XID 79: GPU has fallen off the bus", at(-120), 79);

  static final NodeHealth HEALTH = new NodeHealth(
      Map.of(1, new NodeHealth.GpuRecord("GPU-1c2d", "UNHEALTHY", List.of(XID_79), at(-120), at(-3_600))),
      "DEGRADED",
      List.of(new NodeHealth.Condition("DRIVER", "DEGRADED", "XID 119: GSP RPC timeout", at(-90), 119)),
      true,
      List.of(at(-7_200), at(-100)),
      at(-90),
      List.of(new NodeHealth.Transition("GPU_HEALTH", 1, "GPU-1c2d", "HEALTHY", "UNHEALTHY", XID_79.reason(), at(-120)),
          new NodeHealth.Transition("GPU_HEALTH", 1, "GPU-1c2d", "UNHEALTHY", "HEALTHY", "GPU 1 healthy again", at(-100))));

  static final ReplicaAssignment ASSIGNMENT = new ReplicaAssignment(
      SLOT_0.allocationId(), JOB, "llama-finetune", 2, 0, 0, 1, 0, 2, 2, SLOT_0.gpuIndices(), SLOT_0.gpuUuids(),
      "10.0.4.7", 29412, SPEC.command(), SPEC.args(), SPEC.env(), "/home/alice/llama", 43_200_000L, 45_000L,
      DesiredPhase.STOP, "USR1");

  static final SchedulerSingleton.QueuedJob QUEUED = new SchedulerSingleton.QueuedJob(
      JOB, 2, "research", 1000, at(0), 2, 4, 12.5, 103_079_215_104L, true, 43_200_000L,
      linked("gpu", "h100"), linked("rack", "r12"), "spread", "llama-finetune");

  static final SchedulerSingleton.Allocation ALLOCATION = new SchedulerSingleton.Allocation(
      JOB, 2, List.of(SLOT_0, SLOT_1), NODE, "10.0.4.7", 29412, 2, 12.5, 103_079_215_104L, "research", 1000, at(60),
      true, 43_200_000L, "llama-finetune");

  static final QueueRegistry.Queue QUEUE = new QueueRegistry.Queue("research", "default", 16, 2.5, 8, at(-86_400));
  static final QueueRegistry.Queue CHILD_QUEUE = new QueueRegistry.Queue("research-nlp", "research", 8, 1.5, 4, at(-3_600));

  /** The samples by type, in the order the entities declare them. */
  static Map<Class<?>, Object> all() {
    Map<Class<?>, Object> m = new LinkedHashMap<>();

    put(m, new JobEntity.JobSubmitted(JOB, SPEC, "alice", "submit-7f3a", at(0)));
    put(m, new JobEntity.JobScheduled(JOB, 2, List.of(SLOT_0, SLOT_1), "10.0.4.7", 29412, 2, at(61)));
    put(m, new JobEntity.ReplicaStarted(JOB, 2, 1, SLOT_1.allocationId(), NODE_2, 48_213L, at(75)));
    put(m, new JobEntity.ReplicaExited(JOB, 2, 1, SLOT_1.allocationId(), NODE_2, 137, "LOST", "node gpu-node-08 not ready",
        at(900)));
    put(m, new JobEntity.GangStopping(JOB, 2, JobEntity.StopIntent.PREEMPTION, "preempted by " + OTHER_JOB, at(901)));
    put(m, new JobEntity.JobCancelRequested(JOB, "bob", at(902)));
    put(m, new JobEntity.JobRequeued(JOB, 2, 3, "replica 1 lost; restarting the gang (restart 1 of 3)", true, at(933),
        at(903)));
    put(m, new JobEntity.JobSucceeded(JOB, 3, at(4_000)));
    put(m, new JobEntity.JobFailed(JOB, 3, "replica 0 on gpu-node-07 exited with code 1 after 3 restarts", at(4_001)));
    put(m, new JobEntity.JobCancelled(JOB, 3, "bob", at(4_002)));
    put(m, new JobEntity.AttemptReleased(JOB, 2, at(4_003)));
    put(m, new JobEntity.State(JOB, SPEC, "alice", "submit-7f3a", at(0), JobState.RUNNING, 2, 1,
        List.of(
            new ReplicaRecord(SLOT_0, ReplicaRecord.RUNNING, 48_200L, 0, "COMPLETED", "exited", at(74), at(3_999)),
            new ReplicaRecord(SLOT_1, ReplicaRecord.EXITED, 48_213L, 137, "LOST", "node lost", at(75), at(900))),
        "10.0.4.7", 29412, 2, JobEntity.StopIntent.FAILURE, "bob", at(933), "replica 1 lost", at(75), at(4_000),
        new JobEntity.Release(1, Map.of(NODE, List.of(ReplicaSlot.allocationId(JOB, 1, 0), ReplicaSlot.allocationId(JOB, 1, 1))))));

    put(m, new NodeEntity.NodeRegistered(NODE, "10.0.4.7", "0.1.0", INVENTORY, at(-600)));
    put(m, new NodeEntity.NodeBecameReady(NODE, at(-599)));
    put(m, new NodeEntity.NodeBecameNotReady(NODE, "no message from the agent for 31s (timeout 30s)", at(-500)));
    put(m, new NodeEntity.NodeCordoned(NODE, "ops", "ECC errors on GPU 3", at(-400)));
    put(m, new NodeEntity.NodeUncordoned(NODE, "ops", at(-300)));
    put(m, new NodeEntity.NodeDrainStarted(NODE, "ops", "kernel upgrade", at(-200)));
    put(m, new NodeEntity.ReplicaAssigned(NODE, ASSIGNMENT, at(62)));
    put(m, new NodeEntity.ReplicaStopRequested(NODE, SLOT_0.allocationId(), "gang stopping", at(901)));
    put(m, new NodeEntity.ReplicasReleased(NODE, List.of(SLOT_0.allocationId(), ReplicaSlot.allocationId(JOB, 1, 0)),
        at(4_003)));
    put(m, new NodeEntity.GpuHealthChanged(NODE, 1, "GPU-1c2d", "HEALTHY", "UNHEALTHY", List.of(XID_79), XID_79.reason(),
        at(-120)));
    put(m, new NodeEntity.NodeHealthChanged(NODE, "HEALTHY", "UNHEALTHY",
        List.of(new NodeHealth.Condition("NVML_FAILURE", "UNHEALTHY", "XID 119: GSP RPC timeout", at(-110), 119)),
        "nvmlInit_v2 failed: Driver Not Loaded", at(-110)));
    put(m, new NodeEntity.NodeCordonedAutomatically(NODE, "1 of 2 GPUs unhealthy (GPU 1: XID 79)", at(-100)));
    put(m, new NodeEntity.NodeUncordonedAutomatically(NODE, "no fault for 5m (hold 5m)", at(200)));
    put(m, new NodeEntity.State(NODE, true, "10.0.4.7", "0.1.0", INVENTORY, at(-600), true, "agent reconnected", true,
        "ops", "kernel upgrade", true, Map.of(ASSIGNMENT.allocationId(), ASSIGNMENT), HEALTH));

    put(m, new SchedulerSingleton.JobQueued(QUEUED, at(1)));
    put(m, new SchedulerSingleton.PlacementCommitted(ALLOCATION, at(60)));
    put(m, new SchedulerSingleton.JobReleased(JOB, 2, 3_540_000L, at(4_003)));
    put(m, new SchedulerSingleton.PreemptionDecided(JOB, 2, OTHER_JOB, Preemption.PRIORITY,
        "priority 2000 job " + OTHER_JOB + " needs 8 GPUs", at(900)));
    put(m, new SchedulerSingleton.State(
        Map.of(OTHER_JOB, new SchedulerSingleton.QueuedJob(OTHER_JOB, 1, "prod", 2000, at(890), 1, 8, 32.0,
            549_755_813_888L, false, 7_200_000L, linked("gpu", "h100"), linked("zone", "a"), "pack", "serve-eval")),
        Map.of(ALLOCATION.key(), ALLOCATION),
        new TreeSet<>(Set.of(ALLOCATION.key())),
        Map.of(JOB, List.of(new SchedulerSingleton.PreemptionRecord(OTHER_JOB, at(900)))),
        List.of(new SchedulerSingleton.RuntimeSample("research", 8, "llama-finetune", 3_540_000L))));

    put(m, new QueueRegistry.QueueCreated(QUEUE, "admin", at(-86_400)));
    put(m, new QueueRegistry.QueueUpdated(CHILD_QUEUE, "admin", at(-3_000)));
    put(m, new QueueRegistry.QueueDeleted("research-cv", "admin", at(-2_000)));
    put(m, new QueueRegistry.State(ordered(QUEUE.name(), QUEUE, CHILD_QUEUE.name(), CHILD_QUEUE)));
    return m;
  }

  private static void put(Map<Class<?>, Object> m, Object sample) {
    if (m.put(sample.getClass(), sample) != null) throw new IllegalStateException("two samples of " + sample.getClass());
  }

  /** An insertion-ordered map, so golden files are written in a stable order. */
  private static Map<String, String> linked(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
    return m;
  }

  private static <V> Map<String, V> ordered(String k1, V v1, String k2, V v2) {
    Map<String, V> m = new LinkedHashMap<>();
    m.put(k1, v1);
    m.put(k2, v2);
    return m;
  }
}
