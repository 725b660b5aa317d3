package dev.drover.coordinator.api;

import dev.drover.coordinator.DroverSettings;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.pattern.CircuitBreaker;
import org.apache.pekko.pattern.CircuitBreakerOpenException;

/**
 * A circuit breaker in front of every API write that must be persisted (submit, cancel, cordon,
 * drain, queue changes). When the journal's store is unreachable the entity never answers; after
 * {@code max-failures} such writes in a row the breaker opens and further writes are refused at
 * once with 503 and a {@code Retry-After}, instead of each waiting for its timeout. After
 * {@code reset-timeout} one trial write is let through; its success closes the breaker.
 *
 * <p>A refused or timed-out write was never reported accepted. A timed-out one may still be
 * persisted later: clients retry with the same Idempotency-Key and reach the same job.
 */
public final class StoreBreaker {
  private final CircuitBreaker breaker;
  private final Duration resetTimeout;

  public StoreBreaker(ActorSystem<?> system, DroverSettings settings) {
    this.resetTimeout = settings.breakerResetTimeout();
    this.breaker = CircuitBreaker.create(system.classicSystem().scheduler(), settings.breakerMaxFailures(),
        settings.breakerCallTimeout(), settings.breakerResetTimeout());
    breaker.addOnOpenListener(() -> system.log().warn("Store breaker open: API writes are refused with 503 for {}", resetTimeout));
    breaker.addOnCloseListener(() -> system.log().info("Store breaker closed: API writes accepted again"));
  }

  /** Runs a write through the breaker. */
  public <T> CompletionStage<T> write(Supplier<CompletionStage<T>> call) {
    return breaker.callWithCircuitBreakerCS(call::get);
  }

  /** The 503 answer for a write that failed: refused by the open breaker, or not persisted in time. */
  public HttpResponse unavailable(Throwable failure, String what) {
    Throwable t = failure;
    while (t.getCause() != null && !(t instanceof CircuitBreakerOpenException)) t = t.getCause();
    if (t instanceof CircuitBreakerOpenException open) {
      long seconds = Math.max(1, (open.remainingDuration().toMillis() + 999) / 1000);
      return Problems.problem(StatusCodes.SERVICE_UNAVAILABLE,
              "the journal is unavailable (recent writes failed to persist); nothing was changed; retry after " + seconds + "s")
          .addHeader(HttpHeader.parse("Retry-After", Long.toString(seconds)));
    }
    long seconds = Math.max(1, resetTimeout.toSeconds());
    return Problems.problem(StatusCodes.SERVICE_UNAVAILABLE, what + " was not persisted in time; it may or may not take "
            + "effect: retry (with the same Idempotency-Key for a submit)")
        .addHeader(HttpHeader.parse("Retry-After", Long.toString(seconds)));
  }
}
