package dev.drover.coordinator.metrics;

import static dev.drover.coordinator.api.Problems.problem;

import com.typesafe.config.Config;
import dev.drover.coordinator.auth.Principal;
import dev.drover.coordinator.auth.Role;
import dev.drover.coordinator.auth.TokenStore;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import kamon.Kamon;
import kamon.prometheus.PrometheusReporter;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.HttpChallenge;
import org.apache.pekko.http.javadsl.model.headers.WWWAuthenticate;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /metrics}: the Prometheus text exposition of Kamon's last snapshot (Drover's metrics,
 * Kamon's Pekko, Pekko HTTP, JVM and process metrics), served on the API port. Kamon's own
 * embedded server stays off so a coordinator opens no port beyond those it is configured with.
 */
public final class PrometheusEndpoint extends AllDirectives {
  /** The Prometheus text format, version 0.0.4. */
  public static final ContentType PROMETHEUS_TEXT =
      ContentTypes.parse("text/plain; version=0.0.4; charset=UTF-8");

  private final MetricsSettings settings;
  private final TokenStore tokens;

  public PrometheusEndpoint(MetricsSettings settings, TokenStore tokens) {
    this.settings = settings;
    this.tokens = tokens;
  }

  /**
   * Starts Kamon from the coordinator's configuration, before the actor system exists (Kanela must
   * instrument Pekko's classes before they load). Nothing happens when metrics are off.
   */
  public static void startKamon(Config config, MetricsSettings settings) {
    if (!settings.enabled()) return;
    if (settings.instrumentation()) Kamon.init(config);
    else Kamon.initWithoutAttaching(config);
  }

  public Route route() {
    return get(() -> {
      if (!settings.enabled()) {
        return complete(problem(StatusCodes.NOT_FOUND, "metrics are off on this coordinator (drover.metrics.enabled = off)"));
      }
      if (!settings.requireToken()) return complete(scrape());
      return optionalHeaderValueByName("Authorization", auth -> {
        String token = bearer(auth.orElse(null));
        Optional<Principal> p = tokens.authenticate(token);
        if (p.isEmpty()) {
          HttpResponse r = problem(StatusCodes.UNAUTHORIZED, (token == null
              ? "missing bearer token: send 'Authorization: Bearer <token>'" : "invalid token")
              + " (drover.metrics.require-token is on)");
          return complete(r.addHeader(WWWAuthenticate.create(HttpChallenge.create("Bearer", "drover"))));
        }
        if (!p.get().role().atLeast(Role.OPERATOR)) {
          return complete(problem(StatusCodes.FORBIDDEN, "metrics need the operator role; '" + p.get().name() + "' is a "
              + p.get().role().name().toLowerCase(Locale.ROOT)));
        }
        return complete(scrape());
      });
    });
  }

  private static HttpResponse scrape() {
    // Empty until Kamon's first snapshot, one interval after the start.
    String text = PrometheusReporter.latestScrapeData().getOrElse(() -> "");
    return HttpResponse.create().withStatus(StatusCodes.OK).withEntity(HttpEntities.create(PROMETHEUS_TEXT, text.getBytes(StandardCharsets.UTF_8)));
  }

  private static String bearer(String header) {
    if (header == null) return null;
    String h = header.trim();
    if (h.regionMatches(true, 0, "Bearer ", 0, 7)) return h.substring(7).trim();
    return null;
  }
}
