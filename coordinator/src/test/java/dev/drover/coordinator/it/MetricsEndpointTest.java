package dev.drover.coordinator.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /metrics} access rules on a real coordinator: open by default (MetricsTest), an
 * operator token when {@code drover.metrics.require-token} is on, a problem document when metrics
 * are off, and a precise error for a bad setting.
 */
class MetricsEndpointTest {
  private static final Map<String, String> NONE = Map.of();

  @TempDir Path tmp;
  private DroverCluster cluster;

  @AfterEach
  void stop() throws Exception {
    if (cluster != null) cluster.close();
  }

  private void tokens() throws Exception {
    Files.createDirectories(cluster.dataDir());
    Files.writeString(cluster.dataDir().resolve("tokens.json"), """
        {"tokens":[
          {"name":"admin","role":"admin","token":"admin-token-0123456789abcdef"},
          {"name":"olga","role":"operator","token":"operator-token-0123456789abcdef"},
          {"name":"alice","role":"user","token":"user-token-0123456789abcdef"}]}
        """);
  }

  private DroverCluster.Response metrics(Map<String, String> headers) throws Exception {
    return cluster.request("GET", "/metrics", null, null, headers);
  }

  @Test
  void aRequiredTokenMustBeAnOperatorsAndMetricsOffIsAProblem() throws Exception {
    cluster = new DroverCluster(tmp.resolve("a"), Duration.ofSeconds(10))
        .withCoordinatorSetting("drover.metrics.require-token", "on")
        .withCoordinatorSetting("drover.metrics.interval", "200ms");
    tokens();
    cluster.startCoordinator();

    DroverCluster.Response none = metrics(NONE);
    assertEquals(401, none.status(), none.text());
    assertTrue(none.contentType().startsWith("application/problem+json"), none.contentType());
    assertTrue(none.body().get("detail").asText().contains("drover.metrics.require-token"), none.text());

    DroverCluster.Response user = metrics(Map.of("Authorization", "Bearer user-token-0123456789abcdef"));
    assertEquals(403, user.status(), user.text());
    assertTrue(user.body().get("detail").asText().contains("operator"), user.text());

    DroverCluster.waitUntil(Duration.ofSeconds(30), "a first snapshot with the Drover gauges",
        () -> metrics(Map.of("Authorization", "Bearer operator-token-0123456789abcdef")).text().contains("drover_jobs{"));
    DroverCluster.Response op = metrics(Map.of("Authorization", "Bearer operator-token-0123456789abcdef"));
    assertEquals(200, op.status());
    assertTrue(op.contentType().startsWith("text/plain") && op.contentType().contains("version=0.0.4"), op.contentType());
    PrometheusText t = PrometheusText.parse(op.text());
    assertFalse(t.series("drover_agents_connected").isEmpty(), op.text());
    // Kanela is off in this test (DroverCluster's default): no Pekko actor metrics, JVM ones still there.
    assertTrue(t.series("pekko_group_processing_time_seconds_count").isEmpty(), "instrumentation is off");
    assertFalse(t.series("jvm_threads_total").isEmpty(), op.text());

    DroverCluster.Response post = cluster.request("POST", "/metrics", null, null, NONE);
    assertEquals(405, post.status(), post.text());
    cluster.close();

    cluster = new DroverCluster(tmp.resolve("b"), Duration.ofSeconds(10)).withCoordinatorSetting("drover.metrics.enabled", "off");
    cluster.startCoordinator();
    DroverCluster.Response off = metrics(NONE);
    assertEquals(404, off.status(), off.text());
    assertTrue(off.body().get("detail").asText().contains("drover.metrics.enabled"), off.text());
  }
}
