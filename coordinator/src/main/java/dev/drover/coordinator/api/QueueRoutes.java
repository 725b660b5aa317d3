package dev.drover.coordinator.api;

import static dev.drover.coordinator.api.Problems.field;
import static dev.drover.coordinator.api.Problems.json;
import static dev.drover.coordinator.api.Problems.problem;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.drover.coordinator.auth.Principal;
import dev.drover.coordinator.auth.Role;
import dev.drover.coordinator.queue.QueueRegistry;
import dev.drover.coordinator.scheduling.SchedulerSingleton;
import dev.drover.protocol.Json;
import dev.drover.protocol.api.QueueList;
import dev.drover.protocol.api.QueueRequest;
import dev.drover.protocol.api.QueueView;
import dev.drover.protocol.spec.JobSpecs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.Materializer;

/** {@code /api/v1/queues}: everyone may look; only admins create, change or delete queues. */
final class QueueRoutes extends AllDirectives {
  private final ActorSystem<?> system;
  private final Duration timeout;
  private final Materializer mat;
  private final StoreBreaker breaker;

  QueueRoutes(ActorSystem<?> system, Duration timeout, StoreBreaker breaker) {
    this.breaker = breaker;
    this.system = system;
    this.timeout = timeout;
    this.mat = Materializer.matFromSystem(system);
  }

  Route routes(Principal p) {
    return concat(
        pathEndOrSingleSlash(() -> concat(
            get(() -> list(null)),
            post(() -> admin(p, () -> body(null, req -> change(p, req, true)))))),
        pathPrefix(PathMatchers.segment(), name -> pathEndOrSingleSlash(() -> concat(
            get(() -> list(name)),
            put(() -> admin(p, () -> body(name, req -> change(p, req, false)))),
            delete(() -> admin(p, () -> remove(p, name)))))));
  }

  private Route admin(Principal p, java.util.function.Supplier<Route> inner) {
    if (p.role() != Role.ADMIN) {
      return complete(problem(StatusCodes.FORBIDDEN, "changing queues needs the admin role; '" + p.name() + "' is a "
          + p.role().name().toLowerCase(Locale.ROOT)));
    }
    return inner.get();
  }

  /** Parses a queue body; on PUT the name comes from the path and the body may omit it. */
  private Route body(String pathName, Function<QueueRegistry.Queue, Route> inner) {
    return extractRequest(req -> onComplete(req.entity().withSizeLimit(64 * 1024).toStrict(5000, mat), t -> {
      if (t.isFailure()) return complete(problem(StatusCodes.BAD_REQUEST, "unreadable body (at most 64 KiB)"));
      String text = t.get().getData().utf8String();
      QueueRequest r;
      try {
        r = Json.mapper().readValue(text, QueueRequest.class);
      } catch (UnrecognizedPropertyException e) {
        return complete(field(StatusCodes.BAD_REQUEST, "/" + e.getPropertyName(),
            "unknown field; known: name, parent, guaranteedGpus, weight, borrowLimitGpus"));
      } catch (JsonMappingException e) {
        return complete(field(StatusCodes.BAD_REQUEST, JobSpecs.pointer(e), "wrong type: " + e.getOriginalMessage()));
      } catch (JsonProcessingException e) {
        return complete(field(StatusCodes.BAD_REQUEST, "", "malformed JSON: " + e.getOriginalMessage()));
      }
      if (r == null) return complete(field(StatusCodes.BAD_REQUEST, "", "expected a queue object"));
      String name = r.name();
      if (pathName != null) {
        if (name != null && !name.equals(pathName)) {
          return complete(field(StatusCodes.BAD_REQUEST, "/name", "the body names '" + name + "' but the path '" + pathName + "'"));
        }
        name = pathName;
      }
      if (name == null) return complete(field(StatusCodes.BAD_REQUEST, "/name", "is required"));
      return inner.apply(new QueueRegistry.Queue(name, r.parent(), r.guaranteedGpus() == null ? 0 : r.guaranteedGpus(),
          r.weight() == null ? 1.0 : r.weight(), r.borrowLimitGpus() == null ? 0 : r.borrowLimitGpus(), null));
    }));
  }

  private Route change(Principal p, QueueRegistry.Queue q, boolean create) {
    CompletionStage<QueueRegistry.Result> r = breaker.write(() -> QueueRegistry.ref(system).ask(
        reply -> create ? new QueueRegistry.Create(q, p.name(), reply) : new QueueRegistry.Update(q, p.name(), reply), timeout));
    return onComplete(r, t -> {
      if (t.isFailure()) return complete(breaker.unavailable(t.failed().get(), "the change of queue " + q.name()));
      QueueRegistry.Result res = t.get();
      if (!res.isOk()) return complete(refused(res));
      return withUsage(usage -> complete(json(create ? StatusCodes.CREATED : StatusCodes.OK,
          view(res.queues().get(q.name()), res.queues(), usage))));
    });
  }

  private Route remove(Principal p, String name) {
    return withUsage(usage -> {
      SchedulerSingleton.Usage u = usage.byQueue().get(name);
      if (u != null && (u.runningJobs() > 0 || u.pendingJobs() > 0)) {
        return complete(problem(StatusCodes.CONFLICT, "queue " + name + " still has " + u.runningJobs() + " running and "
            + u.pendingJobs() + " waiting jobs"));
      }
      return onComplete(breaker.write(() -> QueueRegistry.ref(system).<QueueRegistry.Result>ask(
              reply -> new QueueRegistry.Delete(name, p.name(), reply), timeout)),
          t -> {
            if (t.isFailure()) return complete(breaker.unavailable(t.failed().get(), "the removal of queue " + name));
            if (!t.get().isOk()) return complete(refused(t.get()));
            return complete(json(StatusCodes.OK, Map.of("deleted", name)));
          });
    });
  }

  private Route list(String only) {
    return onComplete(QueueRegistry.ref(system).ask(QueueRegistry.Get::new, timeout), t -> {
      if (t.isFailure()) return complete(unavailable());
      Map<String, QueueRegistry.Queue> queues = t.get().queues();
      if (only != null && !queues.containsKey(only)) return complete(problem(StatusCodes.NOT_FOUND, "no queue " + only));
      return withUsage(usage -> {
        if (only != null) return complete(json(StatusCodes.OK, view(queues.get(only), queues, usage)));
        List<QueueView> items = new ArrayList<>();
        for (QueueRegistry.Queue q : ordered(queues)) items.add(view(q, queues, usage));
        return complete(json(StatusCodes.OK, new QueueList(items)));
      });
    });
  }

  /** Parents before children, siblings by name. */
  static List<QueueRegistry.Queue> ordered(Map<String, QueueRegistry.Queue> queues) {
    List<QueueRegistry.Queue> out = new ArrayList<>();
    addChildren(null, queues, out);
    return out;
  }

  private static void addChildren(String parent, Map<String, QueueRegistry.Queue> queues, List<QueueRegistry.Queue> out) {
    for (QueueRegistry.Queue q : queues.values()) {
      if (java.util.Objects.equals(parent, q.parent())) {
        out.add(q);
        addChildren(q.name(), queues, out);
      }
    }
  }

  private Route withUsage(Function<SchedulerSingleton.QueueUsage, Route> inner) {
    CompletionStage<SchedulerSingleton.QueueUsage> u = AskPattern.ask(SchedulerSingleton.proxy(system),
        (ActorRef<SchedulerSingleton.QueueUsage> r) -> new SchedulerSingleton.GetQueueUsage(r), timeout, system.scheduler());
    return onComplete(u, t -> t.isSuccess() ? inner.apply(t.get()) : complete(unavailable()));
  }

  /** A queue with the GPUs it and its descendants hold, as the scheduler's ledger says. */
  static QueueView view(QueueRegistry.Queue q, Map<String, QueueRegistry.Queue> all, SchedulerSingleton.QueueUsage usage) {
    int gpus = 0;
    int running = 0;
    int pending = 0;
    for (Map.Entry<String, SchedulerSingleton.Usage> e : usage.byQueue().entrySet()) {
      if (isWithin(e.getKey(), q.name(), all)) {
        gpus += e.getValue().gpusAllocated();
        running += e.getValue().runningJobs();
        pending += e.getValue().pendingJobs();
      }
    }
    int borrowed = Math.max(0, gpus - q.guaranteedGpus());
    double base = q.guaranteedGpus() > 0 ? q.guaranteedGpus() : Math.max(1, usage.clusterGpus());
    double share = gpus / base / q.weight();
    return new QueueView(q.name(), q.parent(), q.guaranteedGpus(), q.weight(), q.borrowLimitGpus(), gpus, borrowed,
        Math.round(share * 1000) / 1000.0, running, pending, q.createdAt());
  }

  private static boolean isWithin(String queue, String ancestor, Map<String, QueueRegistry.Queue> all) {
    String cur = queue;
    for (int i = 0; cur != null && i < 1000; i++) {
      if (cur.equals(ancestor)) return true;
      QueueRegistry.Queue q = all.get(cur);
      cur = q == null ? null : q.parent();
    }
    return false;
  }

  private static HttpResponse refused(QueueRegistry.Result r) {
    StatusCode status = switch (r.error()) {
      case NOT_FOUND -> StatusCodes.NOT_FOUND;
      case CONFLICT -> StatusCodes.CONFLICT;
      case INVALID -> StatusCodes.BAD_REQUEST;
    };
    return problem(status, r.message(), r.errors());
  }

  private HttpResponse unavailable() {
    return problem(StatusCodes.SERVICE_UNAVAILABLE, "the queue registry did not answer within " + timeout.toSeconds() + "s; retry");
  }
}
