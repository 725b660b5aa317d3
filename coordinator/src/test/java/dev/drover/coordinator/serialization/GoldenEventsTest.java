package dev.drover.coordinator.serialization;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import dev.drover.coordinator.ProbePeers;
import dev.drover.coordinator.job.JobEntity;
import dev.drover.coordinator.node.NodeEntity;
import dev.drover.coordinator.queue.QueueRegistry;
import dev.drover.coordinator.scheduling.SchedulerSingleton;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.apache.pekko.serialization.jackson.JacksonMigration;
import org.apache.pekko.serialization.jackson.JacksonObjectMapperProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Today's classes read every event and snapshot the coordinator has persisted.
 *
 * <p>Each persisted type (found by {@link PersistedTypes}) has a fully populated sample
 * ({@link GoldenSamples}), a schema version registered in serialization.conf, and golden files: the bytes,
 * serializer id and manifest the actor system's real serialization wrote for the sample, committed under
 * {@code src/test/resources/golden/v<version>/}. Every golden file must read, through the same
 * serialization and migrations as in production, as its sample. A golden file that predates a field
 * added since reads with that field empty, so it is compared with the sample restricted to the fields it
 * holds; a field it holds that today's class would drop fails the test (a rename or removal needs a
 * migration). Golden files are never rewritten: run with {@code -Ddrover.golden.write=true} to write the
 * missing ones (a new type, or a new shape of a type), then commit them.
 */
class GoldenEventsTest {
  private static final boolean WRITE = Boolean.getBoolean(GoldenFile.WRITE_PROPERTY);
  private static final String HOW_TO_WRITE = "run `mvn -B test -pl coordinator -Dtest=GoldenEventsTest -D"
      + GoldenFile.WRITE_PROPERTY + "=true` and commit the new files (docs/architecture.md, Event schema evolution)";

  private static ActorTestKit testKit;
  private static Serialization serialization;
  private static ObjectMapper cbor;
  private static Map<String, JacksonMigration> migrations;
  private static Map<Class<?>, Object> samples;
  private static Path root;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("GoldenEventsTest", ProbePeers.testKitConfig());
    serialization = SerializationExtension.get(testKit.system());
    samples = GoldenSamples.all();
    // The serializer creates its mapper on first use; take that one, configured exactly as in production.
    serialization.serialize(samples.values().iterator().next()).get();
    cbor = JacksonObjectMapperProvider.get(testKit.system()).getOrCreate("jackson-cbor", Optional.of(new CBORFactory()));
    migrations = new LinkedHashMap<>();
    JacksonObjectMapperProvider.configForBinding("jackson-cbor", testKit.system().settings().config())
        .getConfig("migrations").root().unwrapped()
        .forEach((type, migration) -> migrations.put(type, instantiate(migration.toString())));
    root = GoldenFile.root();
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void everyPersistedTypeHasASampleAndASchemaVersion() {
    // The scan must at least find the entities there are today.
    assertTrue(PersistedTypes.entities().containsAll(
            List.of(JobEntity.class, NodeEntity.class, SchedulerSingleton.class, QueueRegistry.class)),
        "found " + PersistedTypes.entities());
    List<Class<?>> types = PersistedTypes.all();
    List<String> problems = new ArrayList<>();
    for (Class<?> type : types) {
      if (!samples.containsKey(type)) {
        problems.add(type.getName() + " is persisted but has no sample: add a fully populated one to GoldenSamples");
      }
      if (!migrations.containsKey(type.getName())) {
        problems.add(type.getName() + " is persisted but has no schema version: add \"" + type.getName()
            + "\" = \"" + FirstSchemaVersion.class.getName() + "\" to pekko.serialization.jackson.migrations in serialization.conf");
      }
    }
    for (Class<?> type : samples.keySet()) {
      if (!types.contains(type)) problems.add("GoldenSamples has a sample of " + type.getName() + ", which no entity persists");
    }
    assertNoProblems(problems);
  }

  @Test
  void everySampleIsFullyPopulated() {
    List<String> problems = new ArrayList<>();
    samples.forEach((type, sample) -> {
      List<String> empty = new ArrayList<>();
      emptyFields(cbor.valueToTree(sample), "", empty);
      if (!empty.isEmpty()) problems.add("the sample of " + type.getSimpleName() + " leaves " + empty + " empty: set them, so golden files hold them");
    });
    assertNoProblems(problems);
  }

  /** What the journal stores for a sample is what it reads back: a type that does not round-trip loses data on recovery. */
  @Test
  void everySampleRoundTripsThroughTheSerializationOfTheActorSystem() {
    int jacksonCbor = testKit.system().settings().config().getInt("pekko.actor.serialization-identifiers.jackson-cbor");
    List<String> problems = new ArrayList<>();
    samples.forEach((type, sample) -> {
      Serializer serializer = serialization.findSerializerFor(sample);
      String manifest = Serializers.manifestFor(serializer, sample);
      assertEquals(jacksonCbor, serializer.identifier(), type.getName() + " is not serialized with jackson-cbor");
      JacksonMigration migration = migrations.get(type.getName());
      if (migration != null) assertEquals(type.getName() + "#" + migration.currentVersion(), manifest);
      byte[] bytes = serialization.serialize(sample).get();
      Object back = serialization.deserialize(bytes, serializer.identifier(), manifest).get();
      if (!sameValue(sample, back)) problems.add(type.getSimpleName() + " does not round-trip:\n  wrote " + sample + "\n  read  " + back);
    });
    assertNoProblems(problems);
  }

  @Test
  void everyPersistedTypeHasAGoldenFileOfItsCurrentShape() {
    List<GoldenFile> golden = GoldenFile.loadAll(root);
    List<String> problems = new ArrayList<>();
    for (Class<?> type : PersistedTypes.all()) {
      Object sample = samples.get(type);
      JacksonMigration migration = migrations.get(type.getName());
      if (sample == null || migration == null) continue; // reported by everyPersistedTypeHasASampleAndASchemaVersion
      int version = migration.currentVersion();
      Set<String> shape = paths(cbor.valueToTree(sample));
      String name = PersistedTypes.fileName(type);
      List<GoldenFile> ofVersion = golden.stream().filter(g -> g.version() == version && g.typeName().equals(name)).toList();
      boolean covered = false;
      for (GoldenFile g : ofVersion) covered |= paths(migrated(g)).containsAll(shape);
      if (covered) continue;
      GoldenFile missing = goldenFileOf(sample, version, freeName(name, ofVersion));
      if (WRITE) {
        missing.write(root);
      } else {
        Set<String> lacking = ofVersion.isEmpty() ? shape : notIn(shape, paths(migrated(ofVersion.get(ofVersion.size() - 1))));
        problems.add(ofVersion.isEmpty()
            ? "no golden file of " + type.getName() + " version " + version + ": missing " + missing.path()
            : "no golden file of " + type.getName() + " version " + version + " holds " + lacking
                + " (fields added or renamed since its golden files were written): missing " + missing.path());
      }
    }
    if (!problems.isEmpty()) fail(problems.size() + " golden file(s) missing:\n" + String.join("\n", problems) + "\n" + HOW_TO_WRITE);
  }

  @Test
  void everyGoldenFileReadsAsItsSample() {
    List<GoldenFile> golden = GoldenFile.loadAll(root);
    assertFalse(golden.isEmpty(), "no golden files under " + root + ": " + HOW_TO_WRITE);
    List<String> problems = new ArrayList<>();
    for (GoldenFile g : golden) {
      try {
        if (g.manifestVersion() != g.version()) {
          problems.add(g.path() + " lies in v" + g.version() + " but its manifest says version " + g.manifestVersion());
          continue;
        }
        Object read = serialization.deserialize(g.bytes(cbor), g.serializerId(), g.manifest()).get();
        Object sample = samples.get(read.getClass());
        if (sample == null) {
          problems.add(g.path() + " reads as " + read.getClass().getName() + ", which has no sample in GoldenSamples");
          continue;
        }
        JsonNode stored = migrated(g);
        JsonNode today = cbor.valueToTree(sample);
        Set<String> dropped = notIn(paths(stored), paths(today));
        if (!dropped.isEmpty()) {
          problems.add(g.path() + " holds " + dropped + ", which today's " + read.getClass().getSimpleName()
              + " does not read: a renamed or removed field needs a version bump and a JacksonMigration that moves or drops it");
          continue;
        }
        Object expected = cbor.treeToValue(restrict(today, stored), sample.getClass());
        if (!sameValue(expected, read)) {
          problems.add(g.path() + " does not read as its sample" + (g.note() == null ? "" : " (" + g.note() + ")")
              + ":\n  expected " + expected + "\n  read     " + read);
        }
      } catch (Exception e) {
        problems.add(g.path() + " cannot be read: " + e);
      }
    }
    assertNoProblems(problems);
  }

  // ---------------------------------------------------------------- helpers

  private static GoldenFile goldenFileOf(Object sample, int version, String name) {
    Serializer serializer = serialization.findSerializerFor(sample);
    return new GoldenFile(version, name, serializer.identifier(), Serializers.manifestFor(serializer, sample), null,
        serialization.serialize(sample).get(), null);
  }

  /** The type's name, or the first free {@code name@n} when the type already has golden files of this version. */
  private static String freeName(String name, List<GoldenFile> taken) {
    if (taken.stream().noneMatch(g -> g.name().equals(name))) return name;
    for (int n = 2; ; n++) {
      String candidate = name + "@" + n;
      if (taken.stream().noneMatch(g -> g.name().equals(candidate))) return candidate;
    }
  }

  /** The golden file's document as today's class reads it: after the migrations from its version, as in Pekko. */
  private static JsonNode migrated(GoldenFile g) {
    try {
      JsonNode tree = cbor.readTree(g.bytes(cbor));
      String manifest = g.manifest();
      int hash = manifest.lastIndexOf('#');
      String className = hash < 0 ? manifest : manifest.substring(0, hash);
      JacksonMigration migration = migrations.get(className);
      if (migration != null && g.manifestVersion() != migration.currentVersion()) {
        tree = migration.transform(g.manifestVersion(), tree);
      }
      return tree;
    } catch (IOException e) {
      throw new IllegalStateException("cannot parse " + g.path(), e);
    }
  }

  /**
   * The sample's document with only the fields the stored one has: what an older shape reads as, since
   * a field it lacks reads as null, zero or what the record's constructor makes of those.
   */
  private static JsonNode restrict(JsonNode sample, JsonNode stored) {
    if (sample.isObject() && stored.isObject()) {
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      for (Iterator<Map.Entry<String, JsonNode>> it = sample.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        JsonNode s = stored.get(e.getKey());
        if (s != null) out.set(e.getKey(), restrict(e.getValue(), s));
      }
      return out;
    }
    if (sample.isArray() && stored.isArray()) {
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      for (int i = 0; i < sample.size(); i++) out.add(i < stored.size() ? restrict(sample.get(i), stored.get(i)) : sample.get(i));
      return out;
    }
    return sample;
  }

  /** Every field path of a document ({@code /job/requireLabels/gpu}; array elements as {@code *}). */
  private static Set<String> paths(JsonNode node) {
    Set<String> out = new TreeSet<>();
    paths(node, "", out);
    return out;
  }

  private static void paths(JsonNode node, String prefix, Set<String> out) {
    if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String p = prefix + "/" + e.getKey();
        out.add(p);
        paths(e.getValue(), p, out);
      }
    } else if (node.isArray()) {
      for (JsonNode element : node) paths(element, prefix + "/*", out);
    }
  }

  private static void emptyFields(JsonNode node, String prefix, List<String> out) {
    if (node.isNull() || node.isContainerNode() && node.isEmpty()) {
      out.add(prefix.isEmpty() ? "/" : prefix);
    } else if (node.isObject()) {
      node.fields().forEachRemaining(e -> emptyFields(e.getValue(), prefix + "/" + e.getKey(), out));
    } else if (node.isArray()) {
      for (JsonNode element : node) emptyFields(element, prefix + "/*", out);
    }
  }

  private static Set<String> notIn(Set<String> these, Set<String> those) {
    Set<String> out = new TreeSet<>(these);
    out.removeAll(those);
    return out;
  }

  /** Equal by {@code equals} where the type defines it (records do), else by the documents they write. */
  private static boolean sameValue(Object expected, Object actual) {
    if (expected == null || actual == null || expected.getClass() != actual.getClass()) return false;
    try {
      if (expected.getClass().getMethod("equals", Object.class).getDeclaringClass() != Object.class) return expected.equals(actual);
    } catch (NoSuchMethodException e) {
      throw new AssertionError(e);
    }
    return cbor.valueToTree(expected).equals(cbor.valueToTree(actual));
  }

  private static JacksonMigration instantiate(String className) {
    try {
      return (JacksonMigration) Class.forName(className).getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot create migration " + className, e);
    }
  }

  private static void assertNoProblems(List<String> problems) {
    if (!problems.isEmpty()) fail(problems.size() + " problem(s):\n" + String.join("\n", problems));
  }
}
