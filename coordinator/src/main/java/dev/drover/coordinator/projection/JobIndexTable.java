package dev.drover.coordinator.projection;

import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.typesafe.config.Config;
import dev.drover.coordinator.job.JobEntity;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.projection.ProjectionId;
import org.apache.pekko.projection.cassandra.internal.CassandraOffsetStore;
import org.apache.pekko.projection.cassandra.javadsl.CassandraProjection;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;
import org.apache.pekko.stream.javadsl.Source;
import scala.jdk.javaapi.FutureConverters;
import scala.jdk.javaapi.OptionConverters;

/**
 * The job read model in Cassandra: the {@code job_index} table (one row per job, its folded state
 * and the sequence number of the last event in it) and the job-index projection's stored offset.
 * One per actor system; the projection writes it, every coordinator's {@link JobIndex} loads it.
 *
 * <p>Rows are written {@code USING TIMESTAMP seq_nr}: Cassandra keeps the write with the highest
 * timestamp, so a row never goes back to an older state, even when two projection instances
 * overlap for a moment during a handover. The state at a given sequence number is always the same
 * fold, so writes with equal timestamps carry equal values.
 */
public final class JobIndexTable implements Extension, JobIndexProjection.Rows {
  public static final String TABLE = "job_index";
  /** The projection that maintains the table; its offsets live in the projection offset store. */
  public static final ProjectionId PROJECTION_ID = ProjectionId.of("job-index", JobEntity.TAG);
  /** Driver execution profile of every statement on the table (consistency, see persistence-cassandra.conf). */
  static final String PROFILE = "drover-read-model-profile";
  private static final String SESSION_CONFIG = "pekko.projection.cassandra.session-config";
  private static final int LOAD_PAGE_SIZE = 2000;

  private static final class Id extends ExtensionId<JobIndexTable> {
    static final Id INSTANCE = new Id();

    @Override
    public JobIndexTable createExtension(ActorSystem<?> system) {
      return new JobIndexTable(system, JobIndexSettings.from(system.settings().config()));
    }
  }

  public static JobIndexTable get(ActorSystem<?> system) {
    return Id.INSTANCE.apply(system);
  }

  private final ActorSystem<?> system;
  private final JobIndexSettings settings;
  private final CassandraSession session;
  private final Serialization serialization;
  private final AtomicReference<CompletionStage<Done>> schema = new AtomicReference<>();
  private final AtomicReference<CompletionStage<PreparedStatement>> select = new AtomicReference<>();
  private final AtomicReference<CompletionStage<PreparedStatement>> insert = new AtomicReference<>();
  private final CompletableFuture<Integer> indexLoaded = new CompletableFuture<>();

  private JobIndexTable(ActorSystem<?> system, JobIndexSettings settings) {
    this.system = system;
    this.settings = settings;
    this.session = CassandraSessionRegistry.get(system).sessionFor(SESSION_CONFIG);
    this.serialization = SerializationExtension.get(system.classicSystem());
  }

  public JobIndexSettings settings() {
    return settings;
  }

  /** {@code keyspace.job_index}. */
  public String qualifiedName() {
    return settings.keyspace() + "." + TABLE;
  }

  /** The CQL of the table (also in docs/cassandra.md for production). */
  String createTableCql() {
    return createTableCql(settings.keyspace());
  }

  private static String createTableCql(String keyspace) {
    return "CREATE TABLE IF NOT EXISTS " + keyspace + "." + TABLE + " (\n"
        + "  job_id text PRIMARY KEY,\n"
        + "  seq_nr bigint,\n"
        + "  phase text,\n"
        + "  ser_id int,\n"
        + "  ser_manifest text,\n"
        + "  state blob)";
  }

  /**
   * The CQL of the read-model tables for production (auto-create off), after the journal's: the
   * job_index table and the projection offset store's two tables as pekko-projection-cassandra
   * 1.0.0 creates them. The keyspaces are the journal's ({@code drover.cassandra.keyspace}).
   */
  public static String schemaCql(Config config) {
    String keyspace = config.getString("drover.cassandra.keyspace");
    Config store = config.getConfig("pekko.projection.cassandra.offset-store");
    String offsets = store.getString("keyspace");
    return "-- Drover read models: the job_index table and the projection offset store\n"
        + createTableCql(keyspace) + ";\n"
        + "CREATE TABLE IF NOT EXISTS " + offsets + "." + store.getString("table") + " (\n"
        + "  projection_name text,\n"
        + "  partition int,\n"
        + "  projection_key text,\n"
        + "  offset text,\n"
        + "  manifest text,\n"
        + "  last_updated timestamp,\n"
        + "  PRIMARY KEY ((projection_name, partition), projection_key));\n"
        + "CREATE TABLE IF NOT EXISTS " + offsets + "." + store.getString("management-table") + " (\n"
        + "  projection_name text,\n"
        + "  partition int,\n"
        + "  projection_key text,\n"
        + "  paused boolean,\n"
        + "  last_updated timestamp,\n"
        + "  PRIMARY KEY ((projection_name, partition), projection_key));\n";
  }

  /**
   * Creates the keyspace, the table and the projection offset store's tables when
   * {@code drover.cassandra.auto-create} is on; done once per system, tried again after a failure.
   */
  public CompletionStage<Done> ensureSchema() {
    return memo(schema, () -> {
      if (!settings.autoCreate()) return CompletableFuture.completedFuture(Done.getInstance());
      // The keyspace first, with Drover's replication settings: the offset store would otherwise
      // create it on its own with SimpleStrategy and one replica.
      return session.executeDDL("CREATE KEYSPACE IF NOT EXISTS " + settings.keyspace() + " WITH REPLICATION = "
              + settings.replicationCql())
          .thenCompose(d -> session.executeDDL(createTableCql()))
          .thenCompose(d -> CassandraProjection.createTablesIfNotExists(system));
    });
  }

  /** The stored row of this job, if any. */
  @Override
  public CompletionStage<Optional<FoldedJob>> read(String jobId) {
    return memo(select, () -> session.prepare(
            "SELECT seq_nr, ser_id, ser_manifest, state FROM " + qualifiedName() + " WHERE job_id = ?"))
        .thenCompose(ps -> session.selectOne(profiled(ps.bind(jobId))))
        .thenApply(row -> row.map(this::folded));
  }

  /** Stores the job; a row already at a later sequence number stays as it is. */
  @Override
  public CompletionStage<Done> write(FoldedJob job) {
    JobEntity.State s = job.state();
    Serializer serializer = serialization.findSerializerFor(s);
    ByteBuffer bytes = ByteBuffer.wrap(serializer.toBinary(s));
    String manifest = Serializers.manifestFor(serializer, s);
    String phase = s.phase() == null ? null : s.phase().name();
    return memo(insert, () -> session.prepare("INSERT INTO " + qualifiedName()
            + " (job_id, seq_nr, phase, ser_id, ser_manifest, state) VALUES (?, ?, ?, ?, ?, ?) USING TIMESTAMP ?"))
        .thenCompose(ps -> session.executeWrite(profiled(
            ps.bind(s.jobId(), job.seqNr(), phase, serializer.identifier(), manifest, bytes, job.seqNr()))));
  }

  /** Every row of the table, page by page. */
  public Source<FoldedJob, NotUsed> all() {
    return session.select(session.prepare("SELECT seq_nr, ser_id, ser_manifest, state FROM " + qualifiedName())
            .thenApply(ps -> profiled(ps.bind().setPageSize(LOAD_PAGE_SIZE))))
        .map(this::folded);
  }

  /** Where the projection has got to in the "job" tag: every event before it is in the table. */
  public CompletionStage<Optional<Offset>> storedOffset() {
    // The offset store is internal to pekko-projection-cassandra; reading it through its own class
    // keeps the partitioning and the offset format its business. Pinned to 1.0.0 in the parent pom.
    CassandraOffsetStore store = new CassandraOffsetStore(system);
    return FutureConverters.asJava(store.<Offset>readOffset(PROJECTION_ID)).thenApply(OptionConverters::toJava);
  }

  /** Completed with the number of rows loaded once this system's {@link JobIndex} has loaded the table. */
  public CompletionStage<Integer> indexLoaded() {
    return indexLoaded;
  }

  void markIndexLoaded(int rows) {
    indexLoaded.complete(rows);
  }

  private FoldedJob folded(Row row) {
    ByteBuffer buf = row.getByteBuffer("state");
    byte[] bytes = new byte[buf.remaining()];
    buf.get(bytes);
    JobEntity.State state = (JobEntity.State) serialization
        .deserialize(bytes, row.getInt("ser_id"), row.getString("ser_manifest")).get();
    return new FoldedJob(state, row.getLong("seq_nr"));
  }

  private static BoundStatement profiled(BoundStatement s) {
    return s.setExecutionProfileName(PROFILE);
  }

  /** The memoized stage, made again when absent or failed (Cassandra down, table not created yet). */
  private static <T> CompletionStage<T> memo(AtomicReference<CompletionStage<T>> ref, Supplier<CompletionStage<T>> make) {
    CompletionStage<T> current = ref.get();
    if (current != null && !current.toCompletableFuture().isCompletedExceptionally()) return current;
    CompletionStage<T> fresh = make.get();
    return ref.compareAndSet(current, fresh) ? fresh : ref.get();
  }
}
