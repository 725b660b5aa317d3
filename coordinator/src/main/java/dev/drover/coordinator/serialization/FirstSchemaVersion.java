package dev.drover.coordinator.serialization;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.pekko.serialization.jackson.JacksonMigration;

/**
 * Schema version 1 of a persisted event or snapshot that has not needed a migration yet.
 *
 * <p>Registered for such a type in {@code serialization.conf} ({@code
 * pekko.serialization.jackson.migrations}), it makes the Jackson serializer write the version into
 * the manifest ({@code ...JobEntity$JobSubmitted#1}) and refuse data of a newer version instead of
 * reading it as version 1 and silently dropping what it does not know. Data written before versions
 * were registered has no {@code #} in its manifest, which Pekko reads as version 1: the same shape.
 *
 * <p>The first change of a type that needs a migration replaces this entry with the type's own
 * {@link JacksonMigration} (current version 2, a transform from 1); see docs/architecture.md.
 */
public final class FirstSchemaVersion extends JacksonMigration {

  @Override
  public int currentVersion() {
    return 1;
  }

  @Override
  public JsonNode transform(int fromVersion, JsonNode json) {
    // Nothing is older than version 1, and newer versions are refused before a transform.
    return json;
  }
}
