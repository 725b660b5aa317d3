package dev.drover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drover.protocol.spec.InvalidSpecException;
import dev.drover.protocol.spec.JobSpec;
import dev.drover.protocol.spec.JobSpecs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every example spec a user may copy is accepted by the same validation the server runs. */
class ExamplesTest {
  static Path repoRoot() {
    String prop = System.getProperty("drover.root");
    if (prop != null && Files.isDirectory(Path.of(prop, "examples"))) return Path.of(prop);
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isDirectory(p.resolve("examples"))) return p;
    }
    throw new IllegalStateException("no examples/ directory above " + Path.of("").toAbsolutePath());
  }

  static List<Path> specs() throws IOException {
    try (Stream<Path> files = Files.list(repoRoot().resolve("examples"))) {
      return files.filter(p -> p.toString().matches(".*\\.(ya?ml|json)$")).sorted().toList();
    }
  }

  @Test
  void everyExampleIsAValidSpec() throws IOException {
    List<Path> specs = specs();
    assertFalse(specs.isEmpty());
    for (Path p : specs) {
      try {
        JobSpecs.parseValidated(Files.readAllBytes(p), JobSpecs.Format.detect(p.getFileName().toString()));
      } catch (InvalidSpecException e) {
        throw new AssertionError(p + ": " + e.getMessage(), e);
      }
    }
  }

  @Test
  void everySpecInTheJobSpecDocIsValid() throws IOException {
    String doc = Files.readString(repoRoot().resolve("docs/job-spec.md"));
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("```(yaml|json)\n(.*?)```", java.util.regex.Pattern.DOTALL).matcher(doc);
    int blocks = 0;
    while (m.find()) {
      blocks++;
      JobSpecs.Format format = m.group(1).equals("yaml") ? JobSpecs.Format.YAML : JobSpecs.Format.JSON;
      try {
        JobSpecs.parseValidated(m.group(2).getBytes(java.nio.charset.StandardCharsets.UTF_8), format);
      } catch (InvalidSpecException e) {
        throw new AssertionError("docs/job-spec.md block " + blocks + ": " + e.getMessage(), e);
      }
    }
    assertEquals(2, blocks);
  }

  @Test
  void helloYamlAndJsonAreTheSameJob() throws Exception {
    Path dir = repoRoot().resolve("examples");
    JobSpec yaml = JobSpecs.parseValidated(Files.readAllBytes(dir.resolve("hello.yaml")), JobSpecs.Format.YAML);
    JobSpec json = JobSpecs.parseValidated(Files.readAllBytes(dir.resolve("hello.json")), JobSpecs.Format.JSON);
    assertEquals(yaml, json);
    assertEquals(2, yaml.replicas());
    assertEquals(1, yaml.resources().gpus());
  }

  @Test
  void torchrunExampleIsOneEightGpuReplicaPerNode() throws Exception {
    Path file = repoRoot().resolve("examples/torchrun.yaml");
    JobSpec spec = JobSpecs.parseValidated(Files.readAllBytes(file), JobSpecs.Format.YAML);
    assertEquals(8, spec.resources().gpus());
    String script = String.join(" ", spec.command());
    assertTrue(script.contains("--nproc_per_node=8"), script);
    assertTrue(script.contains("examples/train_ddp.py"), script);
  }
}
