package dev.drover.coordinator.serialization;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.drover.coordinator.ProbePeers;
import dev.drover.coordinator.job.JobEntity;
import dev.drover.coordinator.node.NodeEntity;
import dev.drover.coordinator.scheduling.SchedulerSingleton;
import dev.drover.protocol.agent.DesiredPhase;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The evolutions persisted types went through read as they should: the real ones of the history
 * (optional fields added, from the {@code @before-*} golden files), a renamed field through a real
 * {@link org.apache.pekko.serialization.jackson.JacksonMigration}, an enum value a newer release added,
 * and data of a newer version refused rather than misread.
 */
class SchemaEvolutionTest {
  private static ActorTestKit testKit;
  private static Serialization serialization;
  private static List<GoldenFile> golden;
  private static final CBORMapper CBOR = new CBORMapper();

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("SchemaEvolutionTest", ProbePeers.testKitConfig());
    serialization = SerializationExtension.get(testKit.system());
    golden = GoldenFile.loadAll(GoldenFile.root());
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private static Object read(String name) {
    GoldenFile g = golden.stream().filter(f -> f.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no golden file " + name));
    return serialization.deserialize(g.bytes(CBOR), g.serializerId(), g.manifest()).get();
  }

  @Test
  void aReleaseFromBeforeLearntRuntimesReadsWithoutARuntime() {
    var released = assertInstanceOf(SchedulerSingleton.JobReleased.class, read("SchedulerSingleton.JobReleased@before-f7707ef"));
    assertEquals(GoldenSamples.JOB, released.jobId());
    assertEquals(2, released.attempt());
    assertNull(released.completedRuntimeMillis());
  }

  @Test
  void aLedgerSnapshotFromBeforePreemptionsRecoversWithEmptyGuardsAndNoRuntimes() {
    var ledger = assertInstanceOf(SchedulerSingleton.State.class, read("SchedulerSingleton.State@before-e74a743"));
    // The compact constructor turns the missing collections into empty ones, never null.
    assertEquals(Set.of(), ledger.terminating());
    assertEquals(Map.of(), ledger.preemptions());
    assertEquals(List.of(), ledger.runtimes());
    SchedulerSingleton.QueuedJob waiting = ledger.pending().get(GoldenSamples.OTHER_JOB);
    assertEquals(8, waiting.gpusPerReplica());
    assertNull(waiting.strategy());
    assertNull(waiting.jobName());
    assertEquals(GoldenSamples.ALLOCATION.slots(), ledger.allocations().get(GoldenSamples.ALLOCATION.key()).slots());
  }

  @Test
  void nestedProtocolRecordsFromBeforeTheirNewFieldsRead() {
    var assigned = assertInstanceOf(NodeEntity.ReplicaAssigned.class, read("NodeEntity.ReplicaAssigned@before-5100144"));
    assertNull(assigned.assignment().stopSignal());
    assertEquals(15, assigned.assignment().stopSignalNumber(), "no stop signal means SIGTERM");
    var registered = assertInstanceOf(NodeEntity.NodeRegistered.class, read("NodeEntity.NodeRegistered@before-676b834"));
    assertTrue(registered.inventory().gpus().stream().allMatch(g -> g.topologyDomain() == null));
    var submitted = assertInstanceOf(JobEntity.JobSubmitted.class, read("JobEntity.JobSubmitted@before-cf12bcf"));
    assertNull(submitted.spec().placement());
    assertNull(submitted.spec().preemptible());
    assertEquals(GoldenSamples.SPEC.command(), submitted.spec().command());
  }

  @Test
  void aRenamedFieldReadsThroughAJacksonMigration() throws Exception {
    String type = JobEntity.JobCancelRequested.class.getName();
    Config v2 = ConfigFactory.parseString(
            "pekko.serialization.jackson.migrations.\"" + type + "\" = \"" + RenamedFieldMigration.class.getName() + "\"")
        .withFallback(ProbePeers.testKitConfig());
    ActorTestKit kit = ActorTestKit.create("SchemaEvolutionTestV2", v2);
    try {
      Serialization s = SerializationExtension.get(kit.system());
      JobEntity.JobCancelRequested today = new JobEntity.JobCancelRequested(GoldenSamples.JOB, "bob", GoldenSamples.at(902));
      ObjectNode v1 = JsonNodeFactory.instance.objectNode()
          .put("jobId", GoldenSamples.JOB)
          .put("requestedBy", "bob")
          .put("at", GoldenSamples.at(902).toString());
      byte[] bytes = CBOR.writeValueAsBytes(v1);
      int id = s.findSerializerFor(today).identifier();

      assertEquals(today, s.deserialize(bytes, id, type + "#1").get());
      // Written before versions were registered: no version in the manifest means version 1.
      assertEquals(today, s.deserialize(bytes, id, type).get());
      // New data is version 2 and reads back without a transform.
      String manifest = Serializers.manifestFor(s.findSerializerFor(today), today);
      assertEquals(type + "#2", manifest);
      assertEquals(today, s.deserialize(s.serialize(today).get(), id, manifest).get());
    } finally {
      kit.shutdownTestKit();
    }
  }

  @Test
  void anEnumValueFromANewerReleaseReadsAsUnknown() throws Exception {
    var sample = GoldenSamples.all().get(NodeEntity.ReplicaAssigned.class);
    int id = serialization.findSerializerFor(sample).identifier();
    String manifest = Serializers.manifestFor(serialization.findSerializerFor(sample), sample);
    ObjectNode doc = (ObjectNode) CBOR.readTree(serialization.serialize(sample).get());
    ((ObjectNode) doc.get("assignment")).put("desired", "PAUSE");
    var read = assertInstanceOf(NodeEntity.ReplicaAssigned.class,
        serialization.deserialize(CBOR.writeValueAsBytes(doc), id, manifest).get());
    assertEquals(DesiredPhase.UNKNOWN, read.assignment().desired());
  }

  @Test
  void dataOfANewerVersionIsRefusedInsteadOfMisread() {
    var sample = GoldenSamples.all().get(SchedulerSingleton.JobReleased.class);
    byte[] bytes = serialization.serialize(sample).get();
    int id = serialization.findSerializerFor(sample).identifier();
    String type = SchedulerSingleton.JobReleased.class.getName();
    // A node of a later release may write version 2 during a rolling upgrade; this one must not guess.
    Exception e = assertThrows(IllegalStateException.class, () -> serialization.deserialize(bytes, id, type + "#2").get());
    assertTrue(e.getMessage().contains("behind version 2"), e.getMessage());
  }
}
