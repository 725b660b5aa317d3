package dev.drover.coordinator.serialization;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * One golden file: bytes a persisted type was stored as, with the serializer id and manifest they were
 * stored with, under {@code coordinator/src/test/resources/golden/v<version>/}.
 *
 * <p>{@code <name>.properties} holds {@code serializerId}, {@code manifest} and an optional {@code note};
 * the payload is {@code <name>.cbor} (bytes exactly as the serializer wrote them) or, for an older shape
 * written by hand, {@code <name>.json} (the same document as JSON, encoded to CBOR before it is read).
 * {@code <name>} is the type's name inside its package ({@code JobEntity.JobSubmitted}), optionally
 * followed by {@code @} and what distinguishes it from the type's other golden files of that version.
 *
 * @param version the schema version of the directory it lies in
 * @param name its name without extension
 * @param cborPayload the payload when stored as CBOR bytes, else null
 * @param jsonPayload the payload when written by hand as JSON, else null
 */
record GoldenFile(int version, String name, int serializerId, String manifest, String note, byte[] cborPayload,
    String jsonPayload) {

  /** Golden files are never rewritten by a test run; with this property set, missing ones are written. */
  static final String WRITE_PROPERTY = "drover.golden.write";

  /** The type part of the name: {@code SchedulerSingleton.JobReleased} for {@code SchedulerSingleton.JobReleased@x}. */
  String typeName() {
    int at = name.indexOf('@');
    return at < 0 ? name : name.substring(0, at);
  }

  /** Where the file is, for messages: {@code v1/JobEntity.JobSubmitted.cbor}. */
  String path() {
    return "v" + version + "/" + name + (cborPayload != null ? ".cbor" : ".json");
  }

  /** The schema version the manifest names; a manifest without {@code #} is version 1, as Pekko reads it. */
  int manifestVersion() {
    int i = manifest.lastIndexOf('#');
    return i < 0 ? 1 : Integer.parseInt(manifest.substring(i + 1));
  }

  /** The payload as the serializer gets it. */
  byte[] bytes(ObjectMapper cbor) {
    if (cborPayload != null) return cborPayload.clone();
    try {
      return cbor.writeValueAsBytes(new ObjectMapper().readTree(jsonPayload));
    } catch (IOException e) {
      throw new UncheckedIOException("bad JSON in golden file " + path(), e);
    }
  }

  /**
   * The golden files in the source tree. They are read there rather than from target/test-classes, so
   * that files written by a run with {@value #WRITE_PROPERTY} are the ones it reads and the ones to commit.
   */
  static Path root() {
    String repo = System.getProperty("drover.root", "");
    List<Path> candidates = new ArrayList<>();
    if (!repo.isBlank() && !repo.contains("${")) candidates.add(Path.of(repo, "coordinator", "src", "test", "resources", "golden"));
    candidates.add(Path.of("src", "test", "resources", "golden"));
    candidates.add(Path.of("coordinator", "src", "test", "resources", "golden"));
    for (Path p : candidates) if (Files.isDirectory(p)) return p.toAbsolutePath();
    for (Path p : candidates) if (Files.isDirectory(p.getParent())) return p.toAbsolutePath();
    throw new IllegalStateException("cannot find coordinator/src/test/resources; tried " + candidates);
  }

  static List<GoldenFile> loadAll(Path root) {
    List<GoldenFile> out = new ArrayList<>();
    if (!Files.isDirectory(root)) return out;
    try (Stream<Path> dirs = Files.list(root)) {
      for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
        String d = dir.getFileName().toString();
        if (!d.matches("v[1-9][0-9]*")) throw new IllegalStateException("unexpected directory " + dir + ": expected v<version>");
        int version = Integer.parseInt(d.substring(1));
        try (Stream<Path> files = Files.list(dir)) {
          for (Path props : files.filter(f -> f.toString().endsWith(".properties")).sorted().toList()) {
            out.add(load(version, props));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  private static GoldenFile load(int version, Path props) throws IOException {
    String file = props.getFileName().toString();
    String name = file.substring(0, file.length() - ".properties".length());
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(props, StandardCharsets.UTF_8)) {
      p.load(r);
    }
    Path cbor = props.resolveSibling(name + ".cbor");
    Path json = props.resolveSibling(name + ".json");
    if (Files.exists(cbor) == Files.exists(json)) {
      throw new IllegalStateException(props + " needs exactly one payload: " + name + ".cbor or " + name + ".json");
    }
    String id = p.getProperty("serializerId");
    String manifest = p.getProperty("manifest");
    if (id == null || manifest == null) throw new IllegalStateException(props + " lacks serializerId or manifest");
    return new GoldenFile(version, name, Integer.parseInt(id.trim()), manifest.trim(), p.getProperty("note"),
        Files.exists(cbor) ? Files.readAllBytes(cbor) : null,
        Files.exists(json) ? Files.readString(json, StandardCharsets.UTF_8) : null);
  }

  /** Writes a new golden file; refuses to replace one. */
  void write(Path root) {
    Path dir = root.resolve("v" + version);
    Path props = dir.resolve(name + ".properties");
    Path payload = dir.resolve(name + ".cbor");
    if (Files.exists(props) || Files.exists(payload)) throw new IllegalStateException("golden file " + path() + " exists; never rewrite one");
    String text = "# A golden file of GoldenEventsTest: the payload is what the serializer wrote for GoldenSamples.\n"
        + "# Never edit or rewrite it; today's classes must keep reading it (docs/architecture.md).\n"
        + "serializerId=" + serializerId + "\n"
        + "manifest=" + manifest + "\n";
    try {
      Files.createDirectories(dir);
      Files.write(payload, cborPayload);
      Files.writeString(props, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
