package dev.drover.coordinator.metrics;

import dev.drover.coordinator.queue.QueueRegistry;
import dev.drover.coordinator.scheduling.model.Preemption;
import java.time.Duration;
import java.util.List;
import kamon.Kamon;
import kamon.metric.Counter;
import kamon.metric.MeasurementUnit;
import kamon.metric.Metric;
import kamon.metric.Timer;
import kamon.tag.TagSet;
import org.apache.pekko.japi.function.Procedure;

/**
 * The events Drover counts and times where they happen (scheduler, job entities, journal writes).
 * Kamon names are dotted; the Prometheus reporter exports them with underscores, the unit suffix
 * ({@code _seconds}) and {@code _total} on counters: docs/metrics.md lists the exported names.
 *
 * <p>Recording is cheap and safe before {@code Kamon.init} (entity unit tests): the instruments then
 * simply are never reported.
 */
public final class DroverMetrics {
  private DroverMetrics() {}

  private static final Metric.Timer CYCLE = Kamon.timer("drover.scheduler.cycle.duration",
      "Time the scheduler took to plan one cycle (jobs were waiting)");
  private static final Metric.Counter PLACEMENTS = Kamon.counter("drover.scheduler.placements",
      "Gang placements the scheduler committed to its ledger");
  private static final Metric.Counter PREEMPTIONS = Kamon.counter("drover.scheduler.preemptions",
      "Attempts the scheduler decided to preempt, by reason code");
  private static final Metric.Histogram QUEUE_WAIT = Kamon.histogram("drover.job.queue.wait",
      "Time from a job attempt becoming eligible (submit, or requeue after its backoff) to its placement",
      MeasurementUnit.time().milliseconds());
  private static final Metric.Timer JOURNAL_WRITE = Kamon.timer("drover.journal.write.duration",
      "Time from an entity's persist to its callback: the journal write as the entity waits for it");

  private static final Timer CYCLE_ALL = CYCLE.withoutTags();
  private static final Counter PLACEMENTS_ALL = PLACEMENTS.withoutTags();

  /**
   * Creates the labelled series before anything happened, so they are exported at zero from the
   * start: a rate() over a counter that appears only with its first increment misses that increment.
   */
  public static void register() {
    for (String reason : List.of(Preemption.PRIORITY, Preemption.RECLAIM)) PREEMPTIONS.withTag("reason", reason);
    QUEUE_WAIT.withTag("queue", QueueRegistry.DEFAULT_QUEUE);
  }

  /** One scheduling cycle planned in this many nanoseconds. */
  public static void cycle(long nanos) {
    CYCLE_ALL.record(nanos);
  }

  /** Placements committed by one cycle (after the ledger write). */
  public static void placements(int n) {
    if (n > 0) PLACEMENTS_ALL.increment(n);
  }

  /** One preemption committed, with the scheduler's reason code (e.g. PRIORITY, RECLAIM). */
  public static void preemption(String reasonCode) {
    PREEMPTIONS.withTag("reason", reasonCode == null ? "UNKNOWN" : reasonCode).increment();
  }

  /** A job attempt of {@code queue} was placed after waiting this long. */
  public static void queueWait(String queue, Duration waited) {
    QUEUE_WAIT.withTag("queue", queue).record(Math.max(0, waited.toMillis()));
  }

  /**
   * A callback for {@code Effect().persist(...).thenRun(...)} that records the time since this
   * call, the moment the command handler chose to persist, as one journal write of {@code entity}.
   */
  public static <S> Procedure<S> journalWrite(String entity) {
    long started = System.nanoTime();
    Timer t = JOURNAL_WRITE.withTags(TagSet.of("entity", entity));
    return state -> t.record(System.nanoTime() - started);
  }
}
