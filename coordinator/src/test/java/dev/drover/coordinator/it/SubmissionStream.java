package dev.drover.coordinator.it;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A steady stream of job submissions to the live coordinators of a cluster, as a well-behaved client
 * sends them: each job has an Idempotency-Key, and a refused or failed submit is retried with the
 * same key until it is accepted. Records every attempt and every accepted job id.
 */
final class SubmissionStream {
  record Attempt(Instant sent, int coordinator, String key, int status, String retryAfter, String detail) {}

  private final DroverCluster cluster;
  private final Duration interval;
  private final Set<Integer> down = ConcurrentHashMap.newKeySet();
  private final Map<String, Instant> accepted = new ConcurrentHashMap<>();
  private final List<Attempt> attempts = new CopyOnWriteArrayList<>();
  private final AtomicBoolean running = new AtomicBoolean();
  private final AtomicInteger sequence = new AtomicInteger();
  private Thread thread;

  SubmissionStream(DroverCluster cluster, Duration interval) {
    this.cluster = cluster;
    this.interval = interval;
  }

  void start() {
    running.set(true);
    thread = new Thread(this::run, "submission-stream");
    thread.setDaemon(true);
    thread.start();
  }

  void stop() throws InterruptedException {
    running.set(false);
    if (thread != null) thread.join(60_000);
  }

  /** The test is about to stop this coordinator: send nowhere near it until {@link #markUp}. */
  void markDown(int coordinator) {
    down.add(coordinator);
  }

  void markUp(int coordinator) {
    down.remove(coordinator);
  }

  void recordAccepted(String id) {
    accepted.putIfAbsent(id, Instant.now());
  }

  Map<String, Instant> accepted() {
    return Map.copyOf(accepted);
  }

  List<Attempt> attemptsBetween(Instant from, Instant to) {
    List<Attempt> out = new ArrayList<>();
    for (Attempt a : attempts) if (!a.sent().isBefore(from) && a.sent().isBefore(to)) out.add(a);
    return out;
  }

  long refusedCount() {
    return attempts.stream().filter(a -> a.status() == 503).count();
  }

  int attemptCount() {
    return attempts.size();
  }

  private void run() {
    String key = null;
    while (running.get()) {
      if (key == null) key = "stream-" + sequence.incrementAndGet();
      List<Integer> live = new ArrayList<>();
      for (int i = 0; i < cluster.coordinatorCount(); i++) if (!down.contains(i)) live.add(i);
      int c = live.get(ThreadLocalRandom.current().nextInt(live.size()));
      Instant sent = Instant.now();
      try {
        DroverCluster.Response r = cluster.request(c, "POST", "/api/v1/jobs", "application/yaml",
            ClusterFaultTest.job(key, 1, "sleep 1").getBytes(StandardCharsets.UTF_8),
            Map.of("Authorization", "Bearer " + cluster.token(), "Idempotency-Key", key));
        attempts.add(new Attempt(sent, c, key, r.status(), r.retryAfter(), r.status() >= 300 ? r.text() : null));
        if (r.status() == 201 || r.status() == 200) {
          accepted.putIfAbsent(r.body().get("id").asText(), Instant.now());
          key = null;
        }
      } catch (Exception e) {
        attempts.add(new Attempt(sent, c, key, -1, null, e.toString()));
      }
      try {
        Thread.sleep(interval.toMillis());
      } catch (InterruptedException e) {
        return;
      }
    }
  }
}
