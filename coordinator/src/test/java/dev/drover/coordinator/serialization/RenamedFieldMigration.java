package dev.drover.coordinator.serialization;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.drover.coordinator.job.JobEntity;
import org.apache.pekko.serialization.jackson.JacksonMigration;

/**
 * A made-up migration that shows the whole path of a renamed field through Pekko: it pretends that
 * {@link JobEntity.JobCancelRequested} was version 1 with the canceller in {@code requestedBy} and is
 * version 2 with it in {@code by}.
 *
 * <p>It lives in src/test, registered only by {@link SchemaEvolutionTest}'s own actor system, because no
 * persisted type has needed a migration yet: every change in the history so far added an optional
 * field, which needs none (the {@code @before-*} golden files prove those old shapes read). It is the
 * template for the first real one, which goes to src/main and into serialization.conf.
 */
final class RenamedFieldMigration extends JacksonMigration {

  @Override
  public int currentVersion() {
    return 2;
  }

  @Override
  public JsonNode transform(int fromVersion, JsonNode json) {
    ObjectNode doc = (ObjectNode) json;
    if (fromVersion < 2 && doc.has("requestedBy")) doc.set("by", doc.remove("requestedBy"));
    return doc;
  }
}
