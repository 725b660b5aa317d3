package dev.drover.coordinator;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import dev.drover.coordinator.api.ApiRoutes;
import dev.drover.coordinator.auth.TokenStore;
import dev.drover.coordinator.job.JobEntity;
import dev.drover.coordinator.metrics.ClusterGauges;
import dev.drover.coordinator.metrics.DroverMetrics;
import dev.drover.coordinator.metrics.PrometheusEndpoint;
import dev.drover.coordinator.node.NodeEntity;
import dev.drover.coordinator.queue.QueueRegistry;
import dev.drover.coordinator.projection.JobIndex;
import dev.drover.coordinator.projection.JobIndexProjection;
import dev.drover.coordinator.projection.JobIndexTable;
import dev.drover.coordinator.scheduling.SchedulerSingleton;
import dev.drover.coordinator.tls.ServerTls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBuilder;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.apache.pekko.persistence.jdbc.testkit.javadsl.SchemaUtils;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Starts one coordinator: the actor system, the entities, the scheduler and the HTTP API. */
@Command(name = "drover-coordinator", mixinStandardHelpOptions = true, version = "0.1.0",
    description = "Runs a Drover coordinator: standalone (embedded H2 journal under the data dir) or one member of "
        + "a coordinator cluster on Cassandra (--persistence cassandra --seed-nodes ...).")
public final class Main implements Callable<Integer> {

  @Option(names = "--port", description = "HTTP API port (default 8080, or DROVER_HTTP_PORT)")
  Integer port;

  @Option(names = "--interface", description = "address the API listens on (default 127.0.0.1)")
  String iface;

  @Option(names = "--data-dir", description = "journal, tokens and join token (default ~/.drover/data)")
  Path dataDir;

  @Option(names = "--node-timeout", description = "silence after which a node is NotReady, e.g. 15s")
  String nodeTimeout;

  @Option(names = "--persistence", paramLabel = "h2|cassandra",
      description = "h2 (standalone, default) or cassandra (cluster mode; or DROVER_PERSISTENCE)")
  String persistence;

  @Option(names = "--cassandra", paramLabel = "HOST:PORT[,HOST:PORT...]",
      description = "Cassandra contact points (cluster mode; or DROVER_CASSANDRA), default 127.0.0.1:9042")
  String cassandra;

  @Option(names = "--cluster-host", description = "address other coordinators reach this one at (default 127.0.0.1)")
  String clusterHost;

  @Option(names = "--cluster-port", description = "cluster (Artery) port; default: any free port when standalone")
  Integer clusterPort;

  @Option(names = "--seed-nodes", paramLabel = "HOST:PORT[,HOST:PORT...]",
      description = "cluster ports of the seed coordinators (cluster mode); the first starts the cluster")
  String seedNodes;

  @Option(names = "--management-port", description = "Pekko Management port (/alive, /ready, /cluster/members); 0 = off")
  Integer managementPort;

  @Option(names = "--print-cassandra-schema",
      description = "print the CQL that creates the journal and snapshot keyspaces and tables with the configured "
          + "replication (for production, where auto-create is off), then exit")
  boolean printSchema;

  @Option(names = "--write-client-config", description = "write the CLI's config (API URL and admin token) to this file")
  Path clientConfig;

  @Option(names = "--tls-keystore", paramLabel = "FILE",
      description = "serve the API, agent link (wss://), web UI and /metrics over TLS only, with the private key and "
          + "certificate chain in this PKCS12 (.p12/.pfx) or JKS (.jks) keystore (or DROVER_TLS_KEYSTORE)")
  Path tlsKeystore;

  @Option(names = "--tls-keystore-password-file", paramLabel = "FILE",
      description = "file holding the keystore's password; else env " + ServerTls.PASSWORD_ENV
          + " (the password is never a flag)")
  Path tlsKeystorePasswordFile;

  @Option(names = "--tls-ca-cert", paramLabel = "FILE",
      description = "with --tls-keystore: the CA certificate (PEM) clients should trust; --write-client-config writes it "
          + "as ca-cert=, after checking that it certifies the server certificate")
  Path tlsCaCert;

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (port != null) {
      if (port < 1 || port > 65535) return fail("--port must be between 1 and 65535, got " + port);
      System.setProperty("drover.http.port", port.toString());
    }
    if (iface != null) System.setProperty("drover.http.interface", iface);
    if (tlsKeystore != null) System.setProperty("drover.http.tls.keystore", tlsKeystore.toAbsolutePath().toString());
    if (tlsKeystorePasswordFile != null) {
      System.setProperty("drover.http.tls.keystore-password-file", tlsKeystorePasswordFile.toAbsolutePath().toString());
    }
    if (dataDir != null) System.setProperty("drover.data-dir", dataDir.toAbsolutePath().toString());
    if (nodeTimeout != null) System.setProperty("drover.agents.node-timeout", nodeTimeout);
    if (persistence != null) System.setProperty("drover.persistence.mode", persistence);
    if (clusterHost != null) System.setProperty("pekko.remote.artery.canonical.hostname", clusterHost);
    if (clusterPort != null) {
      if (clusterPort < 1 || clusterPort > 65535) return fail("--cluster-port must be between 1 and 65535, got " + clusterPort);
      System.setProperty("pekko.remote.artery.canonical.port", clusterPort.toString());
    }
    if (managementPort != null) {
      if (managementPort < 0 || managementPort > 65535) return fail("--management-port must be between 0 and 65535, got " + managementPort);
      System.setProperty("drover.management.port", managementPort.toString());
    }
    String contactPoints = cassandra != null ? cassandra : System.getenv("DROVER_CASSANDRA");
    if (contactPoints != null) {
      List<String> points;
      try {
        points = ClusterAddresses.hostPorts(contactPoints, "--cassandra");
      } catch (IllegalArgumentException e) {
        return fail(e.getMessage());
      }
      for (int i = 0; i < points.size(); i++) System.setProperty("drover.cassandra.contact-points." + i, points.get(i));
    }
    if (seedNodes != null) {
      List<String> seeds;
      try {
        seeds = ClusterAddresses.hostPorts(seedNodes, "--seed-nodes");
      } catch (IllegalArgumentException e) {
        return fail(e.getMessage());
      }
      for (int i = 0; i < seeds.size(); i++) {
        System.setProperty("pekko.cluster.seed-nodes." + i, "pekko://drover@" + seeds.get(i));
      }
    }
    ConfigFactory.invalidateCaches();
    Config config;
    DroverSettings settings;
    try {
      config = DroverConfig.load();
      settings = DroverSettings.from(config);
    } catch (ConfigException | IllegalArgumentException e) {
      return fail("invalid configuration: " + e.getMessage());
    }
    if (tlsKeystorePasswordFile != null && !settings.tls().enabled()) {
      return fail("--tls-keystore-password-file needs --tls-keystore (or drover.http.tls.keystore)");
    }
    if (!settings.problems().isEmpty()) return fail("invalid configuration: " + String.join("; ", settings.problems()));
    if (printSchema) return printCassandraSchema(config);
    ServerTls tls = null;
    if (settings.tls().enabled()) {
      ServerTls.Labels labels = new ServerTls.Labels(
          tlsKeystore != null ? "--tls-keystore" : ServerTls.Labels.CONFIG.keystore(),
          tlsKeystorePasswordFile != null ? "--tls-keystore-password-file" : ServerTls.Labels.CONFIG.passwordFile());
      try {
        tls = ServerTls.load(settings.tls(), labels, System.getenv(), Instant.now());
        if (tlsCaCert != null) tls.checkIssuedBy(tlsCaCert, "--tls-ca-cert", labels.keystore());
      } catch (IllegalArgumentException e) {
        return fail(e.getMessage());
      }
    } else if (tlsCaCert != null) {
      return fail("--tls-ca-cert needs --tls-keystore: it names the CA of the coordinator's TLS certificate");
    }
    Files.createDirectories(settings.dataDir());
    TokenStore tokens;
    try {
      tokens = TokenStore.loadOrCreate(settings.tokensFile(), settings.joinTokenFile());
    } catch (IOException e) {
      return fail(e.getMessage());
    }

    // Before the actor system: Kanela must instrument Pekko's classes before they are loaded.
    long kamonStart = System.nanoTime();
    PrometheusEndpoint.startKamon(config, settings.metrics());
    long kamonMillis = (System.nanoTime() - kamonStart) / 1_000_000;
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "drover", config);
    Cluster cluster = Cluster.get(system);
    // Standalone: a cluster of one that joins itself; cluster mode lists seed nodes instead.
    if (config.getList("pekko.cluster.seed-nodes").isEmpty()) {
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
    }
    if (settings.persistenceMode() == DroverSettings.PersistenceMode.H2) {
      try {
        SchemaUtils.createIfNotExists(system).toCompletableFuture().get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        system.terminate();
        return fail("cannot open the journal under " + settings.dataDir() + ": " + rootMessage(e)
            + " (is another coordinator using this data dir?)");
      }
    }
    if (settings.managementPort() > 0) {
      try {
        PekkoManagement.get(system).start().toCompletableFuture().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        system.terminate();
        return fail("cannot start Pekko Management on port " + settings.managementPort() + ": " + rootMessage(e));
      }
    }
    SchedulerSingleton.init(system, settings);
    JobEntity.init(system, settings);
    NodeEntity.init(system, settings);
    QueueRegistry.init(system);
    JobIndexProjection.init(system, settings);
    JobIndex index = JobIndex.start(system, settings.persistenceMode());
    if (settings.metrics().enabled()) {
      DroverMetrics.register();
      ClusterGauges.start(system, index, settings.metrics());
      system.log().info("Metrics: Kamon started in {} ms (instrumentation {}), served at GET /metrics", kamonMillis,
          settings.metrics().instrumentation() ? "on" : "off");
    }
    ApiRoutes api = new ApiRoutes(system, settings, tokens, index);

    ServerBinding binding;
    try {
      ServerBuilder server = Http.get(system).newServerAt(settings.httpInterface(), settings.httpPort());
      if (tls != null) server = server.enableHttps(tls.connectionContext());
      binding = server.bind(api.routes()).toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      system.terminate();
      return fail("cannot listen on " + settings.httpInterface() + ":" + settings.httpPort() + ": " + rootMessage(e));
    }
    binding.addToCoordinatedShutdown(Duration.ofSeconds(5), system);
    String url = (tls != null ? "https://" : "http://") + settings.httpInterface() + ":" + binding.localAddress().getPort();
    if (tls != null) {
      Instant now = Instant.now();
      system.log().info("TLS: the API port serves HTTPS and WSS only, {}", tls.describe(now));
      if (tls.expiresSoon(now)) {
        Instant notAfter = tls.certificate().getNotAfter().toInstant();
        system.log().warn("TLS: the server certificate expires in {} days (on {}): put a renewed one in the keystore and "
            + "restart the coordinator", Duration.between(now, notAfter).toDays(), notAfter);
      }
    }
    system.log().info("Drover coordinator listening on {} ({}, cluster address {})", url,
        settings.persistenceMode() == DroverSettings.PersistenceMode.H2 ? "H2 journal under " + settings.dataDir() : "Cassandra",
        cluster.selfMember().address());
    System.out.println("drover: API " + url);
    System.out.println("drover: admin token in " + settings.tokensFile());
    System.out.println("drover: agent join token in " + settings.joinTokenFile());
    System.out.flush();
    if (clientConfig != null) {
      writeClientConfig(clientConfig, url, tokens.firstAdminToken().orElse(""), settings.joinTokenFile().toAbsolutePath(),
          tlsCaCert == null ? null : tlsCaCert.toAbsolutePath());
    }
    system.getWhenTerminated().toCompletableFuture().get();
    return 0;
  }

  /** The journal's own CQL for the configured keyspaces and replication; no Cassandra is contacted. */
  private static int printCassandraSchema(Config config) {
    Config local = ConfigFactory.parseString("pekko.actor.provider = local\npekko.loglevel = WARNING")
        .withFallback(ConfigFactory.parseResources("persistence-cassandra.conf"))
        .withFallback(config)
        .resolve();
    org.apache.pekko.actor.ActorSystem system = org.apache.pekko.actor.ActorSystem.create("drover-schema", local);
    try {
      var statements = new org.apache.pekko.persistence.cassandra.KeyspaceAndTableStatements(system,
          "pekko.persistence.cassandra", org.apache.pekko.persistence.cassandra.PluginSettings.apply(system));
      System.out.println("-- Drover journal and snapshot schema (pekko-persistence-cassandra); run with cqlsh -f");
      System.out.println(statements.createJournalKeyspaceStatement() + ";");
      for (String st : statements.getCreateJournalTablesStatements()) System.out.println(st.strip() + ";");
      System.out.println(statements.createSnapshotKeyspaceStatement() + ";");
      for (String st : statements.getCreateSnapshotTablesStatements()) System.out.println(st.strip() + ";");
      System.out.print(JobIndexTable.schemaCql(local));
      return 0;
    } finally {
      system.terminate();
    }
  }

  private static void writeClientConfig(Path file, String url, String token, Path joinTokenFile, Path caCert) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    // join-token-file (and ca-cert) let `drover agent` on this machine join without flags.
    Files.writeString(tmp, "# written by 'drover up'\nurl=" + url + "\ntoken=" + token + "\njoin-token-file=" + joinTokenFile + "\n"
        + (caCert == null ? "" : "ca-cert=" + caCert + "\n"));
    try {
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException ignored) {
      // not POSIX
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) t = t.getCause();
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  private static int fail(String message) {
    System.err.println("drover-coordinator: " + message);
    return 2;
  }
}
