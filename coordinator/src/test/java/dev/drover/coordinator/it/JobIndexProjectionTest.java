package dev.drover.coordinator.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.Row;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job read model on a real Cassandra (issue #4): two coordinators list the same jobs, the
 * job-index projection keeps the job_index table equal to them and moves when its coordinator
 * leaves, and a coordinator that starts again loads the table instead of replaying the journal.
 */
class JobIndexProjectionTest {
  private static final Pattern LOADED = Pattern.compile("Job index: loaded (\\d+) jobs from \\S+ in (\\d+) ms; following the job tag from (.+)");
  private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

  @TempDir Path tmp;
  private DroverCluster cluster;

  @AfterEach
  void stop() throws Exception {
    if (cluster != null) cluster.close();
  }

  private static String job(String name) {
    return "name: " + name + "\nresources: {gpus: 1}\ncommand: [sh, -c, \"true\"]\n";
  }

  @Test
  void everyCoordinatorListsTheTableAndARestartLoadsItInsteadOfReplaying() throws Exception {
    LocalCassandra cassandra = LocalCassandra.shared();
    cluster = DroverCluster.onCassandra(tmp, Duration.ofSeconds(20), 2, cassandra.contactPoint());
    cluster.startCoordinators();

    // No agents: jobs stay pending, or are cancelled; submitted and cancelled through both coordinators.
    Map<String, String> expected = new TreeMap<>();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 12; i++) ids.add(cluster.use(i % 2).submitOk(job("idx-" + i)));
    for (int i = 0; i < 12; i += 3) {
      int via = (i + 1) % 2;
      int status = cluster.request(via, "DELETE", "/api/v1/jobs/" + ids.get(i), null, null, auth()).status();
      assertEquals(202, status, "cancel of " + ids.get(i));
    }
    cluster.use(0);
    for (int i = 0; i < 12; i++) {
      String state = i % 3 == 0 ? "CANCELLED" : "PENDING";
      cluster.awaitState(ids.get(i), state, Duration.ofSeconds(30));
      expected.put(ids.get(i), state);
    }
    for (int c = 0; c < 2; c++) awaitListed(c, expected);

    try (CqlSession cql = session(cassandra)) {
      awaitTable(cql, expected);
      // The projection saved its offset after the rows.
      Row offset = cql.execute("SELECT offset, manifest FROM " + cluster.keyspace()
          + ".offset_store WHERE projection_name = 'job-index' ALLOW FILTERING").one();
      assertTrue(offset != null && !offset.getString("offset").isEmpty(), "the projection's offset is stored");

      // Its coordinator leaves: the projection moves to the other, which keeps the table up to date.
      int host = projectionHost();
      int other = 1 - host;
      cluster.stopCoordinator(host);
      for (int i = 0; i < 3; i++) expected.put(cluster.use(other).submitOk(job("after-" + i)), "PENDING");
      awaitTable(cql, expected);
      assertTrue(cluster.coordinatorLog(other).contains("Job index projection started on this coordinator"),
          "the projection runs on the remaining coordinator");

      // It starts again: loads the table, lists everything as soon as it is ready, replays nothing before the offset.
      int logBefore = cluster.coordinatorLog(host).length();
      long t0 = System.nanoTime();
      cluster.startCoordinator(host);
      long apiReady = (System.nanoTime() - t0) / 1_000_000;
      DroverCluster.waitUntil(Duration.ofSeconds(30), "management /ready of coordinator " + host, () -> managementReady(host));
      long indexReady = (System.nanoTime() - t0) / 1_000_000;
      assertEquals(expected, listed(host), "listed as soon as ready");
      String log = cluster.coordinatorLog(host).substring(logBefore);
      Matcher m = LOADED.matcher(log);
      assertTrue(m.find(), "the restarted coordinator logged its table load:\n" + log);
      assertEquals(expected.size(), Integer.parseInt(m.group(1)));
      assertFalse(m.group(3).startsWith("the beginning"), "followed from the stored offset, not from the start: " + m.group(3));
      System.out.println("READMODEL restart of a coordinator: API ready after " + apiReady + " ms, /ready (index loaded) after "
          + indexReady + " ms; loaded " + m.group(1) + " rows in " + m.group(2) + " ms, from offset " + m.group(3));

      // It stays live: a job submitted through the other coordinator shows up here from the tag stream.
      String late = cluster.use(other).submitOk(job("late"));
      expected.put(late, "PENDING");
      awaitListed(host, expected);
      awaitTable(cql, expected);
    }
  }

  private Map<String, String> auth() {
    return Map.of("Authorization", "Bearer " + cluster.token());
  }

  /** Job id -> state as this coordinator lists them, every page. */
  private Map<String, String> listed(int coordinator) throws Exception {
    Map<String, String> listed = new TreeMap<>();
    String cursor = null;
    do {
      JsonNode page = cluster.request(coordinator, "GET", "/api/v1/jobs?limit=500" + (cursor == null ? "" : "&cursor=" + cursor),
          null, null, auth()).body();
      for (JsonNode j : page.get("items")) listed.put(j.get("id").asText(), j.get("state").asText());
      cursor = page.hasNonNull("nextCursor") ? page.get("nextCursor").asText() : null;
    } while (cursor != null);
    return listed;
  }

  private void awaitListed(int coordinator, Map<String, String> expected) throws Exception {
    Map<String, String>[] last = new Map[1];
    try {
      DroverCluster.waitUntil(Duration.ofSeconds(30), "coordinator " + coordinator + " to list " + expected.size() + " jobs",
          () -> expected.equals(last[0] = listed(coordinator)));
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; listed " + last[0], e);
    }
  }

  /** Job id -> phase of the job_index rows, each with a sequence number and a state. */
  private Map<String, String> table(CqlSession cql) {
    Map<String, String> rows = new TreeMap<>();
    for (Row r : cql.execute("SELECT job_id, seq_nr, phase, state FROM " + cluster.keyspace() + ".job_index")) {
      assertTrue(r.getLong("seq_nr") > 0 && r.getByteBuffer("state").remaining() > 0, "row of " + r.getString("job_id"));
      rows.put(r.getString("job_id"), r.getString("phase"));
    }
    return rows;
  }

  private void awaitTable(CqlSession cql, Map<String, String> expected) throws Exception {
    Map<String, String>[] last = new Map[1];
    try {
      DroverCluster.waitUntil(Duration.ofSeconds(60), "job_index to hold " + expected.size() + " jobs",
          () -> expected.equals(last[0] = table(cql)));
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; table " + last[0], e);
    }
  }

  /** The coordinator the job-index projection runs on (the only one that logged its start so far). */
  private int projectionHost() throws Exception {
    List<Integer> hosts = new ArrayList<>();
    for (int c = 0; c < 2; c++) if (cluster.coordinatorLog(c).contains("Job index projection started on this coordinator")) hosts.add(c);
    assertEquals(1, hosts.size(), "the projection started on exactly one coordinator: " + hosts);
    return hosts.get(0);
  }

  private boolean managementReady(int coordinator) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.managementPort(coordinator) + "/ready"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (Exception e) {
      return false;
    }
  }

  /** Timeouts for a loaded CI machine. */
  private static CqlSession session(LocalCassandra cassandra) {
    DriverConfigLoader config = DriverConfigLoader.programmaticBuilder()
        .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(30))
        .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(10))
        .withDuration(DefaultDriverOption.CONTROL_CONNECTION_TIMEOUT, Duration.ofSeconds(10))
        .withDuration(DefaultDriverOption.METADATA_SCHEMA_REQUEST_TIMEOUT, Duration.ofSeconds(30))
        .build();
    return CqlSession.builder().withConfigLoader(config)
        .addContactPoint(cassandra.address()).withLocalDatacenter("datacenter1").build();
  }
}
