package dev.drover.agent.reconcile;

import dev.drover.protocol.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/** Reads and atomically replaces {@code state.json} (write a temp file, then rename over). */
public final class StateStore {
  private final Path file;

  public StateStore(Path workDir) {
    this.file = workDir.resolve("state.json");
  }

  public Path file() {
    return file;
  }

  /** The last saved state, or an empty one when the agent never ran in this work dir. */
  public PersistedState load() {
    if (!Files.exists(file)) {
      return new PersistedState(PersistedState.CURRENT_VERSION, List.of(), List.of());
    }
    try {
      return Json.mapper().readValue(file.toFile(), PersistedState.class);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  public void save(PersistedState state) {
    try {
      // createDirectories throws (and catches) an exception for a directory that exists: not on every save.
      if (!Files.isDirectory(file.getParent())) Files.createDirectories(file.getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.write(tmp, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(state));
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
