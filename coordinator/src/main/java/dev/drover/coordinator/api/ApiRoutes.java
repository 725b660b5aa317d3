package dev.drover.coordinator.api;

import static dev.drover.coordinator.api.Problems.field;
import static dev.drover.coordinator.api.Problems.json;
import static dev.drover.coordinator.api.Problems.problem;

import dev.drover.coordinator.DroverSettings;
import dev.drover.coordinator.agentgateway.AgentGateway;
import dev.drover.coordinator.auth.Principal;
import dev.drover.coordinator.auth.Role;
import dev.drover.coordinator.auth.TokenStore;
import dev.drover.coordinator.job.JobEntity;
import dev.drover.coordinator.metrics.PrometheusEndpoint;
import dev.drover.coordinator.node.NodeEntity;
import dev.drover.coordinator.projection.JobIndex;
import dev.drover.coordinator.queue.QueueRegistry;
import dev.drover.coordinator.scheduling.SchedulerSingleton;
import dev.drover.coordinator.scheduling.model.PendingReason;
import dev.drover.protocol.Json;
import dev.drover.protocol.ProtocolVersion;
import dev.drover.protocol.agent.AgentLinkHeaders;
import dev.drover.protocol.agent.AgentMessage;
import dev.drover.protocol.api.CordonRequest;
import dev.drover.protocol.api.JobEventView;
import dev.drover.protocol.api.JobEvents;
import dev.drover.protocol.api.JobPage;
import dev.drover.protocol.api.JobState;
import dev.drover.protocol.api.JobView;
import dev.drover.protocol.api.NodeList;
import dev.drover.protocol.api.NodeView;
import dev.drover.protocol.spec.InvalidSpecException;
import dev.drover.protocol.spec.JobSpec;
import dev.drover.protocol.spec.JobSpecs;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.HttpChallenge;
import org.apache.pekko.http.javadsl.model.headers.WWWAuthenticate;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.MethodRejection;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import dev.drover.coordinator.persistence.Journals;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * The public HTTP API v1 and the agent link endpoint. Routes parse, validate, authorize, ask an
 * entity with a timeout and map the answer; decisions live in the entities.
 */
public final class ApiRoutes extends AllDirectives {
  /** Every endpoint, as documented in openapi.json (a test keeps the two equal). */
  public static final List<String> ENDPOINTS = List.of(
      "GET /healthz",
      "GET /metrics",
      "GET /readyz",
      "GET /api/v1/openapi.json",
      "POST /api/v1/jobs",
      "GET /api/v1/jobs",
      "GET /api/v1/jobs/{id}",
      "DELETE /api/v1/jobs/{id}",
      "GET /api/v1/jobs/{id}/events",
      "GET /api/v1/jobs/{id}/logs",
      "GET /api/v1/nodes",
      "GET /api/v1/nodes/{name}",
      "GET /api/v1/nodes/{name}/gpus",
      "POST /api/v1/nodes/{name}/cordon",
      "POST /api/v1/nodes/{name}/uncordon",
      "POST /api/v1/nodes/{name}/drain",
      "GET /api/v1/queues",
      "POST /api/v1/queues",
      "GET /api/v1/queues/{name}",
      "PUT /api/v1/queues/{name}",
      "DELETE /api/v1/queues/{name}",
      "GET /api/v1/whoami",
      "GET /api/v1/stream");

  private static final Pattern JOB_ID = Pattern.compile("^j-[0-9a-f]{16}$");
  private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("^[\\x21-\\x7e]{1,200}$");

  private final ActorSystem<?> system;
  private final DroverSettings settings;
  private final TokenStore tokens;
  private final JobIndex index;
  private final AgentGateway gateway;
  private final ClusterSharding sharding;
  private final Materializer mat;
  private final Duration timeout;
  private final QueueRoutes queueRoutes;
  private final StoreBreaker breaker;
  private final StreamRoutes stream;
  private final UiRoutes ui;
  private final PrometheusEndpoint metrics;

  public ApiRoutes(ActorSystem<?> system, DroverSettings settings, TokenStore tokens, JobIndex index) {
    this.system = system;
    this.settings = settings;
    this.tokens = tokens;
    this.index = index;
    this.gateway = new AgentGateway(system);
    this.sharding = ClusterSharding.get(system);
    this.mat = Materializer.matFromSystem(system);
    this.timeout = settings.askTimeout();
    this.breaker = new StoreBreaker(system, settings);
    this.queueRoutes = new QueueRoutes(system, timeout, breaker);
    this.stream = new StreamRoutes(system, index, timeout);
    this.ui = new UiRoutes();
    this.metrics = new PrometheusEndpoint(settings.metrics(), tokens);
  }

  public Route routes() {
    RejectionHandler rejections = RejectionHandler.newBuilder()
        .handle(MethodRejection.class, r -> complete(problem(StatusCodes.METHOD_NOT_ALLOWED,
            "method not allowed here; supported: " + r.supported().name())))
        .handleNotFound(extractUri(uri -> complete(problem(StatusCodes.NOT_FOUND, "no such endpoint: " + uri.path()))))
        .build()
        .withFallback(RejectionHandler.defaultHandler())
        .mapRejectionResponse(resp -> resp.entity().getContentType().mediaType().isApplication() ? resp
            : resp.withEntity(HttpEntities.create(Problems.PROBLEM_JSON, Json.write(
                dev.drover.protocol.api.Problem.of(resp.status().intValue(), resp.status().reason(),
                    entityText(resp.entity()))))));
    ExceptionHandler errors = ExceptionHandler.newBuilder()
        .matchAny(e -> {
          system.log().error("request failed", e);
          return complete(problem(StatusCodes.INTERNAL_SERVER_ERROR, "internal error: " + e.getClass().getSimpleName()));
        })
        .build();
    return handleRejections(rejections, () -> handleExceptions(errors, () -> concat(
        path("healthz", () -> get(() -> complete(json(StatusCodes.OK,
            Map.of("status", "ok", "version", ProtocolVersion.BUILD))))),
        path("readyz", () -> get(this::ready)),
        path("metrics", metrics::route),
        pathPrefix("agent", () -> path(PathMatchers.segment("v1").slash("stream"), this::agentLink)),
        pathPrefix("api", () -> pathPrefix("v1", this::v1)),
        ui.routes())));
  }

  private static String entityText(HttpEntity e) {
    if (e instanceof HttpEntity.Strict s) return s.getData().utf8String();
    return "";
  }

  // ---------------------------------------------------------------- infrastructure

  private Route ready() {
    CompletionStage<SchedulerSingleton.NodeNames> names = AskPattern.ask(SchedulerSingleton.proxy(system),
        SchedulerSingleton.GetNodeNames::new, Duration.ofSeconds(2), system.scheduler());
    return onComplete(names, t -> t.isSuccess()
        ? complete(json(StatusCodes.OK, Map.of("status", "ready", "nodes", t.get().names().size())))
        : complete(problem(StatusCodes.SERVICE_UNAVAILABLE, "the scheduler is not reachable yet")));
  }

  private Route agentLink() {
    return optionalHeaderValueByName("Authorization", auth -> {
      String token = bearer(auth.orElse(null));
      if (!tokens.isJoinToken(token)) {
        return complete(problem(StatusCodes.UNAUTHORIZED, token == null
            ? "agents must send 'Authorization: Bearer <join token>'" : "invalid join token"));
      }
      return optionalHeaderValueByName(AgentLinkHeaders.INSTANCE, instance ->
          extractClientIP(ip -> handleWebSocketMessages(
              gateway.link(ip.getAddress().map(a -> a.getHostAddress()).orElse("unknown"), instance.orElse(null)))));
    });
  }

  private static String bearer(String header) {
    if (header == null) return null;
    String h = header.trim();
    if (h.regionMatches(true, 0, "Bearer ", 0, 7)) return h.substring(7).trim();
    return null;
  }

  private Route authenticated(Function<Principal, Route> inner) {
    return optionalHeaderValueByName("Authorization", auth -> {
      String token = bearer(auth.orElse(null));
      Optional<Principal> p = tokens.authenticate(token);
      if (p.isEmpty()) {
        HttpResponse r = problem(StatusCodes.UNAUTHORIZED, token == null
            ? "missing bearer token: send 'Authorization: Bearer <token>'" : "invalid token");
        return complete(r.addHeader(WWWAuthenticate.create(HttpChallenge.create("Bearer", "drover"))));
      }
      return inner.apply(p.get());
    });
  }

  private Route v1() {
    return concat(
        path("openapi.json", () -> get(() -> getFromResource("openapi.json", ContentTypes.APPLICATION_JSON))),
        authenticated(p -> concat(
            pathPrefix("jobs", () -> jobs(p)),
            pathPrefix("nodes", () -> nodes(p)),
            pathPrefix("queues", () -> queueRoutes.routes(p)),
            path("whoami", () -> stream.whoami(p)),
            path("stream", () -> stream.stream(p)))));
  }

  // ---------------------------------------------------------------- jobs

  private Route jobs(Principal p) {
    return concat(
        pathEndOrSingleSlash(() -> concat(post(() -> submit(p)), get(() -> listJobs(p)))),
        pathPrefix(PathMatchers.segment(), id -> concat(
            pathEndOrSingleSlash(() -> concat(get(() -> getJob(p, id)), delete(() -> cancelJob(p, id)))),
            path("events", () -> get(() -> jobEvents(p, id))),
            path("logs", () -> get(() -> jobLogs(p, id))))));
  }

  private Route submit(Principal p) {
    return extractRequest(req -> optionalHeaderValueByName("Idempotency-Key", key -> {
      if (key.isPresent() && !IDEMPOTENCY_KEY.matcher(key.get()).matches()) {
        return complete(problem(StatusCodes.BAD_REQUEST, "Idempotency-Key must be 1-200 printable ASCII characters"));
      }
      Optional<Long> declared = req.entity().getContentLengthOption().isPresent()
          ? Optional.of(req.entity().getContentLengthOption().getAsLong()) : Optional.empty();
      if (declared.isPresent() && declared.get() > settings.maxBodyBytes()) return complete(tooLarge());
      String mediaType = req.entity().getContentType().mediaType().toString();
      if (!mediaType.contains("json") && !mediaType.contains("yaml") && !mediaType.startsWith("text/plain")
          && !mediaType.equals("application/octet-stream")) {
        return complete(problem(StatusCodes.UNSUPPORTED_MEDIA_TYPE,
            "send the job spec as application/json or application/yaml, not " + mediaType));
      }
      // A body that came whole with the request (the usual small spec) needs no stream to read it.
      CompletionStage<ByteString> body = req.entity() instanceof HttpEntity.Strict strict
          ? CompletableFuture.completedFuture(strict.getData())
          : req.entity().withSizeLimit(settings.maxBodyBytes())
              .getDataBytes().runFold(ByteString.emptyByteString(), ByteString::concat, mat);
      return onComplete(body, t -> {
        if (t.isFailure()) {
          Throwable e = t.failed().get();
          if (e instanceof org.apache.pekko.http.scaladsl.model.EntityStreamSizeException
              || e.getCause() instanceof org.apache.pekko.http.scaladsl.model.EntityStreamSizeException) {
            return complete(tooLarge());
          }
          return complete(problem(StatusCodes.BAD_REQUEST, "cannot read the request body: " + e.getMessage()));
        }
        JobSpec spec;
        try {
          spec = JobSpecs.parseValidated(t.get().toArray(), JobSpecs.Format.detect(mediaType),
              settings.priorityClasses(), settings.defaultPriorityClass());
        } catch (InvalidSpecException e) {
          return complete(problem(StatusCodes.BAD_REQUEST, "invalid job spec: " + e.getMessage(), e.errors()));
        }
        return admit(p, spec, key.orElse(null));
      });
    }));
  }

  private HttpResponse tooLarge() {
    return problem(StatusCodes.PAYLOAD_TOO_LARGE, "the request body is larger than " + settings.maxBodyBytes() + " bytes");
  }

  private Route admit(Principal p, JobSpec spec, String idempotencyKey) {
    // Both questions at once (the answers are read-only): the queue must exist and the job must fit the cluster.
    CompletionStage<QueueRegistry.Result> queues = QueueRegistry.ref(system).ask(QueueRegistry.Get::new, timeout);
    CompletionStage<SchedulerSingleton.FeasibilityAnswer> feasible = AskPattern.ask(SchedulerSingleton.proxy(system),
        r -> new SchedulerSingleton.CheckFeasibility(spec.replicas(), spec.resources().gpus(), spec.resources().cpus(),
            spec.resources().memoryBytes(), r), timeout, system.scheduler());
    return onComplete(queues, q -> {
      if (q.isFailure()) return complete(unavailable("the queue registry"));
      if (!q.get().queues().containsKey(spec.queue())) {
        return complete(field(StatusCodes.UNPROCESSABLE_CONTENT, "/queue", "no queue named '" + spec.queue() + "'; queues: "
            + String.join(", ", q.get().queues().keySet())));
      }
      return onComplete(feasible, f -> {
        if (f.isFailure()) return complete(unavailable("the scheduler"));
        if (!f.get().feasible()) {
          String pointer = f.get().field() == null ? "/resources/gpus" : f.get().field();
          return complete(problem(StatusCodes.UNPROCESSABLE_CONTENT, "this job can never run on this cluster: " + f.get().reason(),
              List.of(new dev.drover.protocol.spec.FieldError(pointer, f.get().reason()))));
        }
        return persistSubmit(p, spec, idempotencyKey);
      });
    });
  }

  private Route persistSubmit(Principal p, JobSpec spec, String idempotencyKey) {
    String id = jobId(p, idempotencyKey);
    Instant before = Instant.now();
    CompletionStage<JobEntity.Result> r =
        breaker.write(() -> job(id).ask(reply -> new JobEntity.Submit(spec, p.name(), idempotencyKey, reply), timeout));
    return onComplete(r, t -> {
      if (t.isFailure()) return complete(breaker.unavailable(t.failed().get(), "the submit of job " + id));
      JobEntity.Result res = t.get();
      if (!res.isOk()) return complete(problem(StatusCodes.UNPROCESSABLE_CONTENT, res.message()));
      index.offer(res.state());
      boolean created = !res.state().submittedAt().isBefore(before.minusMillis(5));
      return complete(json(created ? StatusCodes.CREATED : StatusCodes.OK, view(res.state(), null)));
    });
  }

  /** With an idempotency key the id is derived from owner and key, so a retry reaches the same job. */
  static String jobId(Principal p, String idempotencyKey) {
    if (idempotencyKey == null) return "j-" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest((p.name() + "\n" + idempotencyKey).getBytes(StandardCharsets.UTF_8));
      return "j-" + HexFormat.of().formatHex(h).substring(0, 16);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private Route listJobs(Principal p) {
    return parameterOptional("state", state -> parameterOptional("queue", queue -> parameterOptional("limit", limit ->
        parameterOptional("cursor", cursor -> {
          JobState st = null;
          if (state.isPresent()) {
            try {
              st = JobState.valueOf(state.get().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
              return complete(field(StatusCodes.BAD_REQUEST, "?state", "unknown state '" + state.get()
                  + "'; use one of PENDING, STARTING, RUNNING, CANCELLING, SUCCEEDED, FAILED, CANCELLED"));
            }
          }
          int n = 50;
          if (limit.isPresent()) {
            try {
              n = Integer.parseInt(limit.get());
            } catch (NumberFormatException e) {
              n = -1;
            }
            if (n < 1 || n > 500) return complete(field(StatusCodes.BAD_REQUEST, "?limit", "must be an integer from 1 to 500"));
          }
          JobIndex.Page page;
          try {
            page = index.list(st, queue.orElse(null), p.canSeeAllJobs() ? null : p.name(), n, cursor.orElse(null));
          } catch (IllegalArgumentException e) {
            return complete(field(StatusCodes.BAD_REQUEST, "?cursor", e.getMessage()));
          }
          List<String> pendingIds = page.items().stream().filter(s -> s.phase() == JobState.PENDING).map(JobEntity.State::jobId).toList();
          return withReasons(pendingIds, reasons -> complete(json(StatusCodes.OK, new JobPage(
              page.items().stream().map(s -> view(s, reasons.get(s.jobId()))).toList(), page.nextCursor()))));
        }))));
  }

  private Route withReasons(List<String> ids, Function<Map<String, PendingReason>, Route> inner) {
    if (ids.isEmpty()) return inner.apply(Map.of());
    CompletionStage<SchedulerSingleton.PendingReasons> r = AskPattern.ask(SchedulerSingleton.proxy(system),
        reply -> new SchedulerSingleton.GetPendingReasons(ids, reply), Duration.ofSeconds(2), system.scheduler());
    return onComplete(r, t -> inner.apply(t.isSuccess() ? t.get().reasons() : Map.of()));
  }

  /** Asks the job entity and checks the caller may see it; unknown and foreign jobs are both 404. */
  private Route withJob(Principal p, String id, Function<JobEntity.State, Route> inner) {
    if (!JOB_ID.matcher(id).matches()) return complete(problem(StatusCodes.NOT_FOUND, "no job " + id));
    return onComplete(job(id).ask(JobEntity.Get::new, timeout), t -> {
      if (t.isFailure()) return complete(unavailable("job " + id));
      JobEntity.Result r = t.get();
      if (!r.isOk() || !visible(p, r.state())) return complete(problem(StatusCodes.NOT_FOUND, "no job " + id));
      index.offer(r.state());
      return inner.apply(r.state());
    });
  }

  private static boolean visible(Principal p, JobEntity.State s) {
    return p.canSeeAllJobs() || p.name().equals(s.owner());
  }

  private Route getJob(Principal p, String id) {
    return withJob(p, id, s -> s.phase() == JobState.PENDING
        ? withReasons(List.of(id), reasons -> complete(json(StatusCodes.OK, view(s, reasons.get(id)))))
        : complete(json(StatusCodes.OK, view(s, null))));
  }

  private Route cancelJob(Principal p, String id) {
    return withJob(p, id, s -> onComplete(breaker.write(() -> job(id).<JobEntity.Result>ask(r -> new JobEntity.Cancel(p.name(), r), timeout)), t -> {
      if (t.isFailure()) return complete(breaker.unavailable(t.failed().get(), "the cancel of job " + id));
      JobEntity.Result r = t.get();
      if (!r.isOk()) {
        return complete(problem(r.error() == JobEntity.ErrorCode.CONFLICT ? StatusCodes.CONFLICT : StatusCodes.NOT_FOUND, r.message()));
      }
      index.offer(r.state());
      return complete(json(StatusCodes.ACCEPTED, view(r.state(), null)));
    }));
  }

  private Route jobEvents(Principal p, String id) {
    return withJob(p, id, s -> {
      CompletionStage<List<EventEnvelope>> events = Journals.currentEventsByPersistenceId(system, settings.persistenceMode())
          .currentEventsByPersistenceId(JobEntity.persistenceId(id).id(), 0L, Long.MAX_VALUE)
          .runWith(Sink.seq(), mat);
      return onComplete(events, t -> {
        if (t.isFailure()) return complete(unavailable("the journal"));
        List<JobEventView> views = new ArrayList<>();
        for (EventEnvelope env : t.get()) {
          if (env.event() instanceof JobEntity.Event e) views.add(JobHistory.view(env.sequenceNr(), e));
        }
        return complete(json(StatusCodes.OK, new JobEvents(id, views)));
      });
    });
  }

  private Route jobLogs(Principal p, String id) {
    return parameterOptional("replica", replica -> parameterOptional("follow", follow -> parameterOptional("tail", tail -> {
      int rank;
      try {
        rank = replica.map(Integer::parseInt).orElse(0);
      } catch (NumberFormatException e) {
        return complete(field(StatusCodes.BAD_REQUEST, "?replica", "must be a replica rank (an integer)"));
      }
      long tailBytes;
      try {
        tailBytes = tail.map(Long::parseLong).orElse(-1L);
      } catch (NumberFormatException e) {
        return complete(field(StatusCodes.BAD_REQUEST, "?tail", "must be a number of bytes"));
      }
      boolean follows = follow.map(f -> f.equals("true") || f.equals("1")).orElse(false);
      return withJob(p, id, s -> {
        if (rank < 0 || rank >= s.spec().replicas()) {
          return complete(field(StatusCodes.BAD_REQUEST, "?replica", "job " + id + " has replicas 0.." + (s.spec().replicas() - 1)));
        }
        if (s.replicas().isEmpty()) {
          return complete(problem(StatusCodes.CONFLICT, "job " + id + " has not started yet (" + s.phase() + "); no logs"));
        }
        var r = s.replicas().get(rank);
        Source<ByteString, NotUsed> source = logSource(r.node(), r.allocationId(), tailBytes, follows, id);
        return complete(HttpResponse.create().withEntity(HttpEntities.createChunked(ContentTypes.TEXT_PLAIN_UTF8, source)));
      });
    })));
  }

  private Source<ByteString, NotUsed> logSource(String node, String allocationId, long tail, boolean follow, String jobId) {
    int chunk = settings.logChunkBytes();
    long start = tail > 0 ? -Math.min(tail, chunk) : 0;
    return Source.unfoldAsync(new long[] {start, 0}, pos -> {
      if (pos[1] == 1) return CompletableFuture.completedFuture(Optional.empty());
      long offset = pos[0];
      int max = offset < 0 ? (int) -offset : chunk;
      CompletionStage<AgentMessage.LogChunk> c = sharding.entityRefFor(NodeEntity.ENTITY_KEY, node)
          .ask(reply -> new NodeEntity.ReadLog(allocationId, offset < 0 ? -1 : offset, max, reply), Duration.ofSeconds(15));
      return c.thenCompose(ch -> {
        if (ch.error() != null) {
          return CompletableFuture.completedFuture(Optional.of(org.apache.pekko.japi.Pair.create(new long[] {offset, 1},
              ByteString.fromString("[drover] cannot read the log of " + jobId + ": " + ch.error() + "\n"))));
        }
        String data = ch.data() == null ? "" : ch.data();
        boolean done = ch.finished() || (!follow && data.isEmpty());
        if (data.isEmpty() && !done) {
          CompletableFuture<Optional<org.apache.pekko.japi.Pair<long[], ByteString>>> later = new CompletableFuture<>();
          system.scheduler().scheduleOnce(Duration.ofMillis(500),
              () -> later.complete(Optional.of(org.apache.pekko.japi.Pair.create(new long[] {ch.nextOffset(), 0}, ByteString.emptyByteString()))),
              system.executionContext());
          return later;
        }
        return CompletableFuture.completedFuture(Optional.of(org.apache.pekko.japi.Pair.create(
            new long[] {ch.nextOffset(), done ? 1 : 0}, ByteString.fromString(data))));
      });
    }).filter(b -> !b.isEmpty());
  }

  // ---------------------------------------------------------------- nodes

  private Route nodes(Principal p) {
    return concat(
        pathEndOrSingleSlash(() -> get(this::listNodes)),
        pathPrefix(PathMatchers.segment(), name -> concat(
            pathEndOrSingleSlash(() -> get(() -> nodeCommand(name, NodeEntity.Get::new, StatusCodes.OK))),
            path("gpus", () -> get(() -> nodeGpus(name))),
            path("cordon", () -> post(() -> operator(p, () -> withReason(reason ->
                nodeCommand(name, r -> new NodeEntity.Cordon(p.name(), reason, r), StatusCodes.OK))))),
            path("uncordon", () -> post(() -> operator(p, () ->
                nodeCommand(name, r -> new NodeEntity.Uncordon(p.name(), r), StatusCodes.OK)))),
            path("drain", () -> post(() -> operator(p, () -> withReason(reason ->
                nodeCommand(name, r -> new NodeEntity.Drain(p.name(), reason, r), StatusCodes.OK))))))));
  }

  private Route operator(Principal p, java.util.function.Supplier<Route> inner) {
    if (!p.role().atLeast(Role.OPERATOR)) {
      return complete(problem(StatusCodes.FORBIDDEN, "node actions need the operator role; '" + p.name() + "' is a " + p.role().name().toLowerCase(Locale.ROOT)));
    }
    return inner.get();
  }

  private Route withReason(Function<String, Route> inner) {
    return extractRequest(req -> onComplete(
        req.entity().withSizeLimit(64 * 1024).toStrict(5000, mat), t -> {
          if (t.isFailure()) return complete(problem(StatusCodes.BAD_REQUEST, "unreadable body"));
          String body = t.get().getData().utf8String().trim();
          if (body.isEmpty()) return inner.apply(null);
          try {
            CordonRequest c = Json.mapper().readValue(body, CordonRequest.class);
            if (c.reason() != null && c.reason().length() > 500) {
              return complete(field(StatusCodes.BAD_REQUEST, "/reason", "at most 500 characters"));
            }
            return inner.apply(c.reason());
          } catch (com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException e) {
            return complete(field(StatusCodes.BAD_REQUEST, "/" + e.getPropertyName(), "unknown field; the only field is 'reason'"));
          } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return complete(field(StatusCodes.BAD_REQUEST, "", "malformed JSON: " + e.getOriginalMessage()));
          }
        }));
  }

  private Route nodeCommand(String name, Function<ActorRef<NodeEntity.Result>, NodeEntity.Command> cmd,
      org.apache.pekko.http.javadsl.model.StatusCode ok) {
    if (!JobSpecs.NAME.matcher(name).matches()) return complete(problem(StatusCodes.NOT_FOUND, "no node " + name));
    return onComplete(knownNode(name), known -> {
      if (known.isSuccess() && !known.get()) return complete(problem(StatusCodes.NOT_FOUND, "no node " + name));
      return onComplete(breaker.write(() -> sharding.entityRefFor(NodeEntity.ENTITY_KEY, name).ask(cmd::apply, timeout)), t -> {
        if (t.isFailure()) return complete(breaker.unavailable(t.failed().get(), "the change of node " + name));
        if (!t.get().isOk()) return complete(problem(StatusCodes.NOT_FOUND, t.get().error()));
        return complete(json(ok, NodeViews.view(t.get().view())));
      });
    });
  }

  private Route nodeGpus(String name) {
    if (!JobSpecs.NAME.matcher(name).matches()) return complete(problem(StatusCodes.NOT_FOUND, "no node " + name));
    return onComplete(knownNode(name).thenCompose(known -> known
        ? sharding.entityRefFor(NodeEntity.ENTITY_KEY, name).ask(NodeEntity.GetGpus::new, timeout)
        : CompletableFuture.completedFuture(new NodeEntity.GpuReport(null, null, List.of(), java.util.Set.of(), "no node " + name))), t -> {
      if (t.isFailure()) return complete(unavailable("node " + name));
      if (t.get().error() != null) return complete(problem(StatusCodes.NOT_FOUND, t.get().error()));
      return complete(json(StatusCodes.OK, NodeViews.gpus(t.get())));
    });
  }

  /** Avoids waking an entity (and remembering it) for a node the cluster has never seen. */
  private CompletionStage<Boolean> knownNode(String name) {
    return AskPattern.ask(SchedulerSingleton.proxy(system), SchedulerSingleton.GetNodeNames::new, timeout, system.scheduler())
        .thenApply(n -> ((SchedulerSingleton.NodeNames) n).names().contains(name));
  }

  private Route listNodes() {
    CompletionStage<List<NodeView>> views = AskPattern.ask(SchedulerSingleton.proxy(system),
            SchedulerSingleton.GetNodeNames::new, timeout, system.scheduler())
        .thenCompose(n -> {
          List<CompletableFuture<NodeEntity.Result>> all = new ArrayList<>();
          for (String name : ((SchedulerSingleton.NodeNames) n).names()) {
            all.add(sharding.entityRefFor(NodeEntity.ENTITY_KEY, name).ask(NodeEntity.Get::new, timeout).toCompletableFuture());
          }
          return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(v -> all.stream()
              .map(CompletableFuture::join).filter(NodeEntity.Result::isOk).map(r -> NodeViews.view(r.view())).toList());
        });
    return onComplete(views, t -> t.isSuccess()
        ? complete(json(StatusCodes.OK, new NodeList(t.get())))
        : complete(unavailable("the node registry")));
  }

  // ---------------------------------------------------------------- helpers

  private org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef<JobEntity.Command> job(String id) {
    return sharding.entityRefFor(JobEntity.ENTITY_KEY, id);
  }

  private HttpResponse unavailable(String what) {
    return problem(StatusCodes.SERVICE_UNAVAILABLE, what + " did not answer within " + timeout.toSeconds() + "s; retry")
        .addHeader(HttpHeader.parse("Retry-After", "2"));
  }

  static JobView view(JobEntity.State s, PendingReason schedulerReason) {
    return JobViews.view(s, schedulerReason, Instant.now());
  }

}
