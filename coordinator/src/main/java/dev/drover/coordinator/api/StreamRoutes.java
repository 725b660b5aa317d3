package dev.drover.coordinator.api;

import static dev.drover.coordinator.api.Problems.json;
import static dev.drover.coordinator.api.Problems.problem;

import dev.drover.coordinator.auth.Principal;
import dev.drover.coordinator.job.JobEntity;
import dev.drover.coordinator.node.NodeDirectory;
import dev.drover.coordinator.projection.JobIndex;
import dev.drover.coordinator.queue.QueueRegistry;
import dev.drover.coordinator.scheduling.SchedulerSingleton;
import dev.drover.coordinator.scheduling.model.PendingReason;
import dev.drover.protocol.Json;
import dev.drover.protocol.api.GpuView;
import dev.drover.protocol.api.JobState;
import dev.drover.protocol.api.JobView;
import dev.drover.protocol.api.NodeView;
import dev.drover.protocol.api.QueueView;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.BroadcastHub;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/v1/stream}: the web UI's live feed as server-sent events, and {@code GET /api/v1/whoami}.
 *
 * <p>One shared source per coordinator: node pictures from {@link NodeDirectory}, job states from
 * {@link JobIndex}, and a cluster sample (totals, queues, pending reasons) computed every
 * {@link #SAMPLE_INTERVAL} are serialized once, numbered, and fanned out through a BroadcastHub. Each
 * client starts with a snapshot taken after its hub subscription is live and then gets only newer
 * events it may see; a slow client's backlog is conflated to the latest event per node or job and is
 * bounded: past {@link #MAX_BACKLOG} distinct keys it gets a {@code resync} event and the stream ends, so
 * the browser reconnects and takes a fresh snapshot.
 */
public final class StreamRoutes extends AllDirectives {
  private static final Logger log = LoggerFactory.getLogger(StreamRoutes.class);
  static final Duration SAMPLE_INTERVAL = Duration.ofSeconds(2);
  static final Duration KEEP_ALIVE = Duration.ofSeconds(15);
  /** Samples kept for the charts a new client draws at once: 30 minutes at one every 2 s. */
  static final int HISTORY = 900;
  /** Distinct nodes and jobs a slow client may have waiting before it is told to resync. */
  static final int MAX_BACKLOG = 20_000;
  /** Finished jobs a snapshot carries (newest first), besides every unfinished one. */
  static final int SNAPSHOT_FINISHED_JOBS = 500;
  /** Pending jobs whose scheduler reason one sample asks for. */
  static final int MAX_PENDING_REASONS = 5_000;
  private static final ByteString KEEP_ALIVE_COMMENT = ByteString.fromString(": keep-alive\n\n");

  /** Cluster totals at one instant, for the Cluster view's numbers and charts. */
  public record ClusterSample(Instant at, int nodes, int nodesReady, int gpus, int gpusAllocated, int gpusFree,
      int gpusUnhealthy, int gpusUnavailable, Double utilizationPercent, int jobsPending, int jobsStarting, int jobsRunning,
      int jobsCancelling) {}

  /** The {@code cluster} event: the latest sample and every queue's quota and usage. */
  public record ClusterEvent(ClusterSample sample, List<QueueView> queues) {}

  /** The first event of every connection. */
  public record Snapshot(long seq, List<NodeView> nodes, List<JobView> jobs, boolean jobsTruncated,
      List<ClusterSample> history, List<QueueView> queues) {}

  /** {@code GET /api/v1/whoami}. */
  public record WhoAmI(String name, String role) {}

  /** One serialized event on the shared source; {@code owner} non-null limits it to that user and operators. */
  record StreamEvent(long seq, String type, String key, String owner, ByteString bytes) {
    boolean visibleTo(Principal p) {
      return owner == null || p.canSeeAllJobs() || owner.equals(p.name());
    }
  }

  private final ActorSystem<?> system;
  private final JobIndex index;
  private final NodeDirectory nodes;
  private final Duration timeout;
  private final Materializer mat;
  private final AtomicLong seq = new AtomicLong();
  private final BoundedSourceQueue<StreamEvent> queue;
  private final Source<StreamEvent, NotUsed> hub;
  private final AtomicBoolean dropped = new AtomicBoolean();
  private final AtomicBoolean sampling = new AtomicBoolean();
  private final AtomicInteger clients = new AtomicInteger();
  private final ArrayDeque<ClusterSample> history = new ArrayDeque<>();
  private final AtomicReference<List<QueueView>> queues = new AtomicReference<>(List.of());
  /** The scheduler's latest reason per pending job, so snapshots and job events carry it. */
  private final Map<String, PendingReason> reasons = new java.util.concurrent.ConcurrentHashMap<>();

  StreamRoutes(ActorSystem<?> system, JobIndex index, Duration timeout) {
    this.system = system;
    this.index = index;
    this.nodes = NodeDirectory.get(system);
    this.timeout = timeout;
    this.mat = Materializer.matFromSystem(system);
    Pair<BoundedSourceQueue<StreamEvent>, Source<StreamEvent, NotUsed>> p = Source.<StreamEvent>queue(8192)
        .toMat(BroadcastHub.of(StreamEvent.class, 1024), Keep.both())
        .run(mat);
    this.queue = p.first();
    this.hub = p.second();
    // A consumer that is always there keeps the hub flowing while no browser is connected.
    hub.runWith(Sink.ignore(), mat);
    nodes.listen(v -> offer("node", "node:" + v.name(), null, v));
    index.listen(s -> offer("job", "job:" + s.jobId(), s.owner(), jobView(s)));
    system.scheduler().scheduleAtFixedRate(Duration.ofMillis(200), SAMPLE_INTERVAL, this::sample,
        system.executionContext());
  }

  /** Number of browsers connected to this coordinator's stream now. */
  public int clients() {
    return clients.get();
  }

  Route whoami(Principal p) {
    return get(() -> complete(json(StatusCodes.OK, new WhoAmI(p.name(), p.role().name().toLowerCase(Locale.ROOT)))));
  }

  Route stream(Principal p) {
    return get(() -> optionalHeaderValueByName("Accept", accept -> accept.filter(a -> a.contains("text/event-stream")).isEmpty()
        ? notEventStream()
        : complete(HttpResponse.create()
            .addHeader(HttpHeader.parse("Cache-Control", "no-store"))
            .addHeader(HttpHeader.parse("X-Accel-Buffering", "no"))
            .withEntity(HttpEntities.createChunked(ContentTypes.create(MediaTypes.TEXT_EVENT_STREAM), events(p))))));
  }

  private Route notEventStream() {
    return complete(problem(StatusCodes.NOT_ACCEPTABLE,
        "this endpoint streams server-sent events: send 'Accept: text/event-stream' (and read it as a stream)"));
  }

  /** The event stream of one client: snapshot first, then what changed after it, conflated and bounded. */
  Source<ByteString, NotUsed> events(Principal p) {
    offer("hello", "hello", null, Map.of());
    return hub
        .statefulMapConcat(() -> {
          long[] since = {-1};
          return e -> {
            if (since[0] < 0) {
              // The first event proves this subscription is live: everything after it reaches us, and
              // the snapshot taken now holds every change numbered up to now.
              since[0] = seq.get();
              return List.of(snapshotEvent(p, since[0]));
            }
            return e.seq() > since[0] && e.visibleTo(p) && !e.type().equals("hello") ? List.of(e) : List.of();
          };
        })
        .conflateWithSeed(Backlog::new, Backlog::add)
        .mapConcat(Backlog::drain)
        .takeWhile(e -> !e.type().equals("resync"), true)
        .map(StreamEvent::bytes)
        .keepAlive(KEEP_ALIVE, () -> KEEP_ALIVE_COMMENT)
        .watchTermination((nu, done) -> {
          clients.incrementAndGet();
          done.whenComplete((d, e) -> clients.decrementAndGet());
          return NotUsed.getInstance();
        });
  }

  /** Waiting events of one slow client, the latest per node or job, in first-arrival order. */
  static final class Backlog {
    private final LinkedHashMap<String, StreamEvent> byKey = new LinkedHashMap<>();
    private boolean overflowed;

    Backlog(StreamEvent first) {
      add(first);
    }

    Backlog add(StreamEvent e) {
      if (overflowed) return this;
      byKey.put(e.key(), e);
      if (byKey.size() > MAX_BACKLOG) {
        overflowed = true;
        byKey.clear();
      }
      return this;
    }

    List<StreamEvent> drain() {
      if (overflowed) {
        return List.of(event(0, "resync", "resync", null, Map.of("reason", "this client fell too far behind; reconnect")));
      }
      return new ArrayList<>(byKey.values());
    }
  }

  private StreamEvent snapshotEvent(Principal p, long since) {
    List<JobView> jobs = new ArrayList<>();
    List<JobEntity.State> finished = new ArrayList<>();
    for (JobEntity.State s : index.all()) {
      if (!p.canSeeAllJobs() && !p.name().equals(s.owner())) continue;
      if (s.terminal()) finished.add(s);
      else jobs.add(jobView(s));
    }
    finished.sort(Comparator.comparing((JobEntity.State s) -> s.finishedAt() == null ? s.submittedAt() : s.finishedAt()).reversed());
    for (int i = 0; i < finished.size() && i < SNAPSHOT_FINISHED_JOBS; i++) jobs.add(jobView(finished.get(i)));
    List<ClusterSample> h;
    synchronized (history) {
      h = new ArrayList<>(history);
    }
    List<NodeView> n = new ArrayList<>(nodes.nodes());
    n.sort(Comparator.comparing(NodeView::name));
    Snapshot snap = new Snapshot(since, n, jobs, finished.size() > SNAPSHOT_FINISHED_JOBS, h, queues.get());
    return event(since, "snapshot", "snapshot", null, snap);
  }

  private JobView jobView(JobEntity.State s) {
    JobView v = JobViews.view(s, s.phase() == JobState.PENDING ? reasons.get(s.jobId()) : null, Instant.now());
    // The stream carries what lists and the heatmap show; the spec comes from GET /api/v1/jobs/{id}.
    return new JobView(v.id(), v.name(), v.queue(), v.priority(), v.owner(), v.state(), v.attempt(), v.restarts(),
        v.replicas(), v.gpusPerReplica(), v.pendingReason(), v.message(), v.submittedAt(), v.startedAt(), v.finishedAt(),
        null, v.replicaStatus(), v.pending());
  }

  private static StreamEvent event(long n, String type, String key, String owner, Object payload) {
    String text = "event: " + type + "\nid: " + n + "\ndata: " + Json.write(payload) + "\n\n";
    return new StreamEvent(n, type, key, owner, ByteString.fromString(text));
  }

  private void offer(String type, String key, String owner, Object payload) {
    // Numbered after the state changed: a snapshot that reads the counter first holds this change.
    long n = seq.incrementAndGet();
    QueueOfferResult r = queue.offer(event(n, type, key, owner, payload));
    if (r != QueueOfferResult.enqueued() && dropped.compareAndSet(false, true)) {
      log.warn("Live stream: the shared buffer is full; events dropped, clients are told to resync");
    }
  }

  // ---------------------------------------------------------------- cluster samples

  private void sample() {
    if (!sampling.compareAndSet(false, true)) return;
    if (dropped.getAndSet(false)) offer("resync", "resync", null, Map.of("reason", "the coordinator dropped events"));
    List<String> pending = new ArrayList<>();
    for (JobEntity.State s : index.all()) {
      if (s.phase() == JobState.PENDING && pending.size() < MAX_PENDING_REASONS) pending.add(s.jobId());
    }
    CompletionStage<SchedulerSingleton.PendingReasons> why = pending.isEmpty()
        ? CompletableFuture.completedFuture(new SchedulerSingleton.PendingReasons(Map.of()))
        : AskPattern.ask(SchedulerSingleton.proxy(system),
            (ActorRef<SchedulerSingleton.PendingReasons> r) -> new SchedulerSingleton.GetPendingReasons(pending, r),
            timeout, system.scheduler());
    CompletionStage<SchedulerSingleton.QueueUsage> usage = AskPattern.ask(SchedulerSingleton.proxy(system),
        (ActorRef<SchedulerSingleton.QueueUsage> r) -> new SchedulerSingleton.GetQueueUsage(r), timeout, system.scheduler());
    CompletionStage<QueueRegistry.Result> registry = QueueRegistry.ref(system).ask(QueueRegistry.Get::new, timeout);
    why.thenAccept(this::reasonsChanged).exceptionally(e -> null)
        .thenCompose(v -> usage.thenCombine(registry, this::queueViews).exceptionally(e -> queues.get()))
        .whenComplete((q, e) -> {
          try {
            if (q != null) queues.set(q);
            ClusterSample s = totals(Instant.now());
            synchronized (history) {
              history.addLast(s);
              while (history.size() > HISTORY) history.removeFirst();
            }
            offer("cluster", "cluster", null, new ClusterEvent(s, queues.get()));
          } catch (RuntimeException failure) {
            log.warn("Live stream: cannot sample the cluster", failure);
          } finally {
            sampling.set(false);
          }
        });
  }

  private void reasonsChanged(SchedulerSingleton.PendingReasons r) {
    reasons.keySet().removeIf(id -> !r.reasons().containsKey(id));
    for (Map.Entry<String, PendingReason> e : r.reasons().entrySet()) {
      PendingReason before = reasons.put(e.getKey(), e.getValue());
      if (before != null && Objects.equals(before.code(), e.getValue().code())
          && Objects.equals(before.message(), e.getValue().message())) {
        continue;
      }
      index.get(e.getKey()).filter(s -> s.phase() == JobState.PENDING)
          .ifPresent(s -> offer("job", "job:" + s.jobId(), s.owner(), jobView(s)));
    }
  }

  private List<QueueView> queueViews(SchedulerSingleton.QueueUsage usage, QueueRegistry.Result registry) {
    List<QueueView> out = new ArrayList<>();
    for (QueueRegistry.Queue q : QueueRoutes.ordered(registry.queues())) out.add(QueueRoutes.view(q, registry.queues(), usage));
    return out;
  }

  ClusterSample totals(Instant at) {
    int nodeCount = 0;
    int ready = 0;
    int gpus = 0;
    int allocated = 0;
    int unhealthy = 0;
    int unavailable = 0;
    long utilSum = 0;
    int utilCount = 0;
    for (NodeView n : nodes.nodes()) {
      nodeCount++;
      boolean up = "Ready".equals(n.status());
      if (up) ready++;
      for (GpuView g : n.gpus()) {
        gpus++;
        if (g.allocatedTo() != null) allocated++;
        else if ("Unhealthy".equals(g.health())) unhealthy++;
        else if (!up || n.cordoned() || n.draining() || Boolean.FALSE.equals(g.schedulable())) unavailable++;
        if (g.utilizationPercent() != null) {
          utilSum += g.utilizationPercent();
          utilCount++;
        }
      }
    }
    Map<JobState, Integer> jobs = new HashMap<>();
    for (JobEntity.State s : index.all()) jobs.merge(s.phase(), 1, Integer::sum);
    return new ClusterSample(at, nodeCount, ready, gpus, allocated, gpus - allocated - unhealthy - unavailable, unhealthy,
        unavailable, utilCount == 0 ? null : Math.round(utilSum * 10.0 / utilCount) / 10.0,
        jobs.getOrDefault(JobState.PENDING, 0), jobs.getOrDefault(JobState.STARTING, 0), jobs.getOrDefault(JobState.RUNNING, 0),
        jobs.getOrDefault(JobState.CANCELLING, 0));
  }
}
