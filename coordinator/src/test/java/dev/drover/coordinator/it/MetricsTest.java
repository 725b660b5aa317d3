package dev.drover.coordinator.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.drover.protocol.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #6's metrics, end to end: a real coordinator (Kamon with Kanela attached) and two agents
 * with simulated GPUs serving their own endpoints; jobs run and a GPU fault is injected, and the
 * Drover metrics scraped from both endpoints must follow. The last scrapes then check that the
 * Grafana dashboard and docs/metrics.md name exactly the metrics the endpoints export.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MetricsTest {
  private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
  private static final Path ROOT = Path.of(System.getProperty("drover.root", ".."));
  private static final Duration WAIT = Duration.ofSeconds(60);

  private DroverCluster cluster;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  /** The last scrapes, after the jobs ran and the fault: what the dashboard and docs are checked against. */
  private PrometheusText lastCoordinator;
  private PrometheusText lastAgent;
  private final Map<String, String> lastRaw = new java.util.concurrent.ConcurrentHashMap<>();

  @BeforeAll
  void start(@TempDir Path tmp) throws Exception {
    cluster = new DroverCluster(tmp.resolve("cluster"), Duration.ofSeconds(10))
        .withCoordinatorSetting("drover.metrics.instrumentation", "on")
        .withCoordinatorSetting("drover.metrics.interval", "1s")
        .withCoordinatorSetting("drover.agents.telemetry-interval", "1s");
    cluster.startCoordinator();
    for (String n : List.of("m1", "m2")) {
      cluster.startAgent(n, 4, "--enable-fault-injection", "--metrics-listen", "127.0.0.1:0", "--metrics-interval", "500ms");
    }
    cluster.awaitNodesReady("m1", "m2");
  }

  @AfterAll
  void stop() throws Exception {
    // The last scrapes, for a look at what the endpoints export (target/metrics-scrapes/).
    Path out = Path.of("target", "metrics-scrapes");
    Files.createDirectories(out);
    for (Map.Entry<String, String> e : lastRaw.entrySet()) Files.writeString(out.resolve(e.getKey() + ".txt"), e.getValue());
    if (cluster != null) cluster.close();
  }

  private String job(String name, int replicas, int gpus, String command) {
    return "name: " + name + "\nreplicas: " + replicas + "\nresources: {gpus: " + gpus + "}\n"
        + "command: [\"/bin/sh\", \"-c\", \"" + command + "\"]\n"
        + "env: {TEST_MARKER: \"" + cluster.marker + "\"}\n"
        + "terminationGracePeriod: 2s\n";
  }

  private PrometheusText scrape(String url) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), url + ": " + r.body());
    String type = r.headers().firstValue("Content-Type").orElse("");
    assertTrue(type.startsWith("text/plain") && type.contains("version=0.0.4"), url + " Content-Type: " + type);
    lastRaw.put(url.contains(":" + cluster.port + "/") ? "coordinator" : "agent", r.body());
    return PrometheusText.parse(r.body());
  }

  private PrometheusText coordinator() throws Exception {
    return lastCoordinator = scrape(cluster.url() + "/metrics");
  }

  private String agentUrl(String node) throws Exception {
    Path portFile = cluster.root.resolve("agents/" + node + "/metrics.port");
    DroverCluster.waitUntil(WAIT, portFile.toString(), () -> Files.exists(portFile));
    return "http://127.0.0.1:" + Files.readString(portFile).trim() + "/metrics";
  }

  private PrometheusText agent(String node) throws Exception {
    return lastAgent = scrape(agentUrl(node));
  }

  /** Scrapes the coordinator until the check holds; fails with the last scrape's Drover series. */
  private PrometheusText awaitCoordinator(String what, java.util.function.Predicate<PrometheusText> check) throws Exception {
    PrometheusText[] last = new PrometheusText[1];
    try {
      DroverCluster.waitUntil(WAIT, what, () -> check.test(last[0] = coordinator()));
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; last scrape:\n" + drover(last[0]), e);
    }
    return last[0];
  }

  private static String drover(PrometheusText t) {
    if (t == null) return "(none)";
    StringBuilder b = new StringBuilder();
    for (PrometheusText.Sample s : t.samples()) if (s.name().startsWith("drover_")) b.append(s).append('\n');
    return b.toString();
  }

  private static double count(PrometheusText t, String name, Map<String, String> labels) {
    return t.sum(name, labels);
  }

  @Test
  @Order(1)
  void droverMetricsFollowJobsGpusAndFaults() throws Exception {
    // Both nodes register: 8 GPUs, none allocated, both agents connected.
    PrometheusText before = awaitCoordinator("8 GPUs on 2 connected agents",
        t -> t.sum("drover_gpus", Map.of()) == 8 && t.value("drover_agents_connected", Map.of()).orElse(0.0) == 2);
    assertEquals(0, before.sum("drover_gpus_allocated", Map.of()));
    assertEquals(4, before.value("drover_gpus", Map.of("node", "m1", "model", "Simulated GPU")).orElse(
        before.sum("drover_gpus", Map.of("node", "m1"))), drover(before));
    double placements0 = before.sum("drover_scheduler_placements_total", Map.of());
    double waits0 = before.sum("drover_job_queue_wait_seconds_count", Map.of("queue", "default"));

    // A long gang of 2 x 2 GPUs and a short single-GPU job.
    String gang = cluster.submitOk(job("metrics-gang", 2, 2, "sleep 600"));
    String quick = cluster.submitOk(job("metrics-quick", 1, 1, "true"));
    JsonNode running = cluster.awaitState(gang, "RUNNING", WAIT);
    cluster.awaitState(quick, "SUCCEEDED", WAIT);

    PrometheusText t = awaitCoordinator("the gang's 4 GPUs allocated, 1 running and 1 succeeded job",
        x -> x.sum("drover_gpus_allocated", Map.of()) == 4
            && x.value("drover_jobs", Map.of("state", "RUNNING", "queue", "default")).orElse(0.0) == 1
            && x.value("drover_jobs", Map.of("state", "SUCCEEDED", "queue", "default")).orElse(0.0) == 1
            && x.sum("drover_scheduler_placements_total", Map.of()) >= placements0 + 2
            && x.sum("drover_job_queue_wait_seconds_count", Map.of("queue", "default")) >= waits0 + 2);
    assertEquals(0, t.value("drover_jobs", Map.of("state", "PENDING", "queue", "default")).orElseThrow());
    assertTrue(t.sum("drover_scheduler_cycle_duration_seconds_count", Map.of()) >= 1, drover(t));
    assertTrue(t.sum("drover_journal_write_duration_seconds_count", Map.of("entity", "job")) >= 4, drover(t));
    assertTrue(t.sum("drover_journal_write_duration_seconds_count", Map.of("entity", "scheduler")) >= 2, drover(t));
    // The +Inf bucket of the queue wait histogram holds every observation.
    assertEquals(t.sum("drover_job_queue_wait_seconds_count", Map.of()),
        t.sum("drover_job_queue_wait_seconds_bucket", Map.of("le", "+Inf")), drover(t));

    // Per-GPU gauges with node, gpu, uuid and model; an allocated GPU shows the simulated load.
    JsonNode rank0 = running.get("replicaStatus").get(0);
    String busyNode = rank0.get("node").asText();
    String busyGpu = rank0.get("gpus").get(0).asText();
    PrometheusText withLoad = awaitCoordinator("utilization of busy GPU " + busyGpu + " on " + busyNode,
        x -> x.value("drover_gpu_utilization_ratio", Map.of("node", busyNode, "gpu", busyGpu)).orElse(0.0) > 0);
    for (String name : List.of("drover_gpu_utilization_ratio", "drover_gpu_memory_used_bytes", "drover_gpu_temperature_celsius",
        "drover_gpu_power_watts", "drover_gpu_memory_total_bytes", "drover_gpu_allocated", "drover_gpu_healthy")) {
      List<PrometheusText.Sample> s = withLoad.series(name);
      assertEquals(8, s.size(), name + ": " + s);
      for (PrometheusText.Sample x : s) {
        assertEquals(Set.of("node", "gpu", "uuid", "model"), x.labels().keySet(), x.toString());
        assertFalse(x.label("uuid").isBlank(), x.toString());
      }
    }
    assertEquals(1, withLoad.value("drover_gpu_allocated", Map.of("node", busyNode, "gpu", busyGpu)).orElseThrow());
    // 8 GPUs are under drover.metrics.per-gpu-max-gpus: per-GPU series above, and the per-node aggregates as always.
    for (String name : List.of("drover_node_gpu_utilization_ratio", "drover_node_gpu_memory_used_bytes",
        "drover_node_gpu_memory_total_bytes", "drover_node_gpu_temperature_celsius", "drover_node_gpu_power_watts")) {
      List<PrometheusText.Sample> s = withLoad.series(name);
      assertEquals(2, s.size(), name + ": " + s);
      for (PrometheusText.Sample x : s) assertEquals(Set.of("node"), x.labels().keySet(), x.toString());
    }
    assertTrue(withLoad.value("drover_node_gpu_utilization_ratio", Map.of("node", busyNode)).orElse(0.0) > 0,
        "node utilization of " + busyNode);
    assertEquals(withLoad.sum("drover_gpu_memory_total_bytes", Map.of("node", busyNode)),
        withLoad.value("drover_node_gpu_memory_total_bytes", Map.of("node", busyNode)).orElseThrow());
    double utilization = withLoad.value("drover_gpu_utilization_ratio", Map.of("node", busyNode, "gpu", busyGpu)).orElseThrow();
    assertTrue(utilization > 0 && utilization <= 1, "utilization is a ratio: " + utilization);
    for (String n : List.of("m1", "m2")) {
      double lag = withLoad.value("drover_node_heartbeat_lag_seconds", Map.of("node", n)).orElseThrow();
      assertTrue(lag >= 0 && lag < 5, n + " heartbeat lag " + lag);
    }
    assertEquals(2, withLoad.value("drover_nodes", Map.of("status", "Ready")).orElseThrow());

    // A gang that cannot fit while the first one runs: pending, counted under its reason code. Until the scheduler's
    // next cycle has looked at it the API says QUEUED, a code of its own that the scheduler's gauge never counts.
    String big = cluster.submitOk(job("metrics-big", 2, 4, "sleep 600"));
    JsonNode pending = cluster.awaitJob(big, WAIT, "to have the scheduler's pending reason",
        j -> j.hasNonNull("pending") && j.get("pending").hasNonNull("code") && !j.get("pending").get("code").asText().equals("QUEUED"));
    String reason = pending.get("pending").get("code").asText();
    awaitCoordinator("1 job pending for " + reason,
        x -> x.value("drover_scheduler_pending_jobs", Map.of("reason", reason)).orElse(0.0) == 1
            && x.value("drover_jobs", Map.of("state", "PENDING", "queue", "default")).orElse(0.0) == 1);
    assertEquals(202, cluster.request("DELETE", "/api/v1/jobs/" + big, null, null,
        Map.of("Authorization", "Bearer " + cluster.token())).status());
    awaitCoordinator("no job pending for " + reason + " after the cancel",
        x -> x.value("drover_scheduler_pending_jobs", Map.of("reason", reason)).orElse(-1.0) == 0
            && x.value("drover_jobs", Map.of("state", "CANCELLED", "queue", "default")).orElse(0.0) == 1);

    // XID 79 on a free GPU of the other node: counted unhealthy by the coordinator and by the agent.
    String faultNode = busyNode.equals("m1") ? "m2" : "m1";
    JsonNode gpus = cluster.get("/api/v1/nodes/" + faultNode).body().get("gpus");
    String freeGpu = null;
    for (JsonNode g : gpus) if (g.get("allocatedTo") == null || g.get("allocatedTo").isNull()) freeGpu = g.get("index").asText();
    assertNotNull(freeGpu, "a free GPU on " + faultNode + ": " + gpus);
    inject(faultNode, "--gpu", freeGpu, "--xid", "79");
    String faulty = freeGpu;
    PrometheusText afterFault = awaitCoordinator("GPU " + faulty + " of " + faultNode + " unhealthy",
        x -> x.sum("drover_gpus_unhealthy", Map.of("node", faultNode)) == 1
            && x.value("drover_gpu_healthy", Map.of("node", faultNode, "gpu", faulty)).orElse(1.0) == 0);
    assertEquals(1, afterFault.sum("drover_gpus_unhealthy", Map.of()), drover(afterFault));

    PrometheusText agentText = agent(faultNode);
    DroverCluster.waitUntil(WAIT, "the agent of " + faultNode + " to read GPU " + faulty + " unhealthy",
        () -> agent(faultNode).value("drover_agent_gpu_healthy", Map.of("gpu", faulty)).orElse(1.0) == 0);
    assertEquals(4, agentText.series("drover_agent_gpu_utilization_ratio").size(), agentText.series("drover_agent_gpu_utilization_ratio").toString());

    // The agent running the gang reads its busy GPU and its replica.
    PrometheusText busyAgent = agent(busyNode);
    DroverCluster.waitUntil(WAIT, "the agent of " + busyNode + " to show GPU load and a running replica", () -> {
      PrometheusText a = agent(busyNode);
      return a.value("drover_agent_gpu_utilization_ratio", Map.of("gpu", busyGpu)).orElse(0.0) > 0
          && a.value("drover_agent_replicas", Map.of("phase", "RUNNING")).orElse(0.0) >= 1;
    });
    for (PrometheusText.Sample s : busyAgent.series("drover_agent_gpu_temperature_celsius")) {
      assertEquals(Set.of("node", "gpu", "uuid", "model"), s.labels().keySet(), s.toString());
      assertEquals(busyNode, s.label("node"));
    }
    assertFalse(lastAgent.series("jvm_memory_used_bytes_count").isEmpty(), "the agent exports JVM metrics");
  }

  @Test
  @Order(2)
  void kamonInstrumentsPekkoPekkoHttpAndTheJvm() throws Exception {
    PrometheusText t = awaitCoordinator("Pekko group metrics of the job entities",
        x -> x.sum("pekko_group_processing_time_seconds_count", Map.of("group", "job-entities")) > 0);
    assertTrue(t.sum("pekko_group_processing_time_seconds_count", Map.of("group", "scheduler")) > 0, "scheduler group");
    assertTrue(t.sum("pekko_system_processed_messages_total", Map.of("system", "drover")) > 0, "actor system");
    assertTrue(t.sum("http_server_requests_total", Map.of("http_status_code", "2xx")) > 0, "Pekko HTTP server");
    assertTrue(t.sum("pekko_cluster_sharding_region_hosted_entities_count", Map.of()) > 0, "cluster sharding");
    assertFalse(t.series("jvm_memory_used_bytes_count").isEmpty(), "JVM memory");
    assertFalse(t.series("executor_tasks_completed_total").isEmpty(), "dispatchers");
  }

  @Test
  @Order(3)
  void theDashboardQueriesOnlyMetricsTheEndpointsExport() throws Exception {
    assertNotNull(lastCoordinator, "the scrapes of the first test");
    Set<String> exported = new TreeSet<>(lastCoordinator.seriesNames());
    exported.addAll(lastAgent.seriesNames());
    JsonNode dashboard = Json.mapper().readTree(ROOT.resolve("deploy/grafana/drover-dashboard.json").toFile());
    assertFalse(dashboard.path("uid").asText().isBlank(), "dashboard uid");
    assertFalse(dashboard.path("title").asText().isBlank(), "dashboard title");
    List<String> exprs = new ArrayList<>();
    for (JsonNode panel : dashboard.get("panels")) {
      if (!panel.path("datasource").isMissingNode() && panel.path("type").asText().equals("row")) continue;
      for (JsonNode target : panel.path("targets")) exprs.add(target.get("expr").asText());
    }
    for (JsonNode v : dashboard.path("templating").path("list")) {
      if (v.path("type").asText().equals("query")) {
        JsonNode q = v.get("query");
        exprs.add(q.isTextual() ? q.asText() : q.path("query").asText());
      }
    }
    assertTrue(exprs.size() >= 20, "the dashboard has its panels' queries: " + exprs.size());
    Set<String> used = new TreeSet<>();
    for (String e : exprs) used.addAll(PromQl.metricNames(e));
    Set<String> missing = new TreeSet<>(used);
    missing.removeAll(exported);
    assertEquals(Set.of(), missing, "dashboard queries name metrics no endpoint exports");
    for (String family : List.of("drover_gpus", "drover_scheduler_cycle_duration_seconds_bucket", "drover_job_queue_wait_seconds_bucket",
        "drover_scheduler_placements_total", "drover_scheduler_preemptions_total", "drover_scheduler_pending_jobs",
        "drover_gpu_utilization_ratio", "drover_gpu_temperature_celsius", "drover_gpu_power_watts", "drover_agents_connected",
        "drover_node_heartbeat_lag_seconds", "drover_journal_write_duration_seconds_bucket", "jvm_memory_used_bytes_sum")) {
      assertTrue(used.contains(family), "the dashboard shows " + family);
    }
  }

  @Test
  @Order(4)
  void docsListExactlyTheExportedMetrics() throws Exception {
    assertNotNull(lastCoordinator, "the scrapes of the first test");
    Set<String> exported = new TreeSet<>(lastCoordinator.families());
    exported.addAll(lastAgent.families());
    String doc = Files.readString(ROOT.resolve("docs/metrics.md"), StandardCharsets.UTF_8);
    Set<String> documented = new TreeSet<>();
    Matcher m = Pattern.compile("(?m)^\\| `([a-z_:][a-z0-9_:]*)` \\|").matcher(doc);
    while (m.find()) documented.add(m.group(1));
    Set<String> undocumented = new TreeSet<>(exported);
    undocumented.removeAll(documented);
    Set<String> notExported = new TreeSet<>(documented);
    notExported.removeAll(exported);
    assertEquals(Set.of(), undocumented, "exported but not in docs/metrics.md");
    assertEquals(Set.of(), notExported, "in docs/metrics.md but not exported");
  }

  private void inject(String node, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(JAVA, "-cp", System.getProperty("java.class.path"), "dev.drover.agent.AgentMain",
        "inject", "--work-dir", cluster.root.resolve("agents/" + node).toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "inject did not finish");
    assertEquals(0, p.exitValue(), "inject " + String.join(" ", args) + ":\n" + out);
  }
}
