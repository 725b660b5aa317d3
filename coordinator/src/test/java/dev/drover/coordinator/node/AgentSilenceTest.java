package dev.drover.coordinator.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AgentSilenceTest {
  private static final Instant T0 = Instant.parse("2026-12-03T10:00:00Z");

  @Test
  void onTimeTicksCountThePlainTimeSinceTheLastMessage() {
    AgentSilence s = new AgentSilence(Duration.ofSeconds(2), T0);
    s.heard(T0.plusMillis(300));
    assertEquals(Duration.ofMillis(700), s.tick(T0.plusSeconds(1)));
    assertEquals(Duration.ofMillis(1700), s.tick(T0.plusSeconds(2)));
    for (int i = 3; i <= 16; i++) s.tick(T0.plusSeconds(i));
    assertEquals(Duration.ofMillis(15_700), s.tick(T0.plusSeconds(16)));
  }

  @Test
  void aLateObservationCountsForAtMostOneStep() {
    AgentSilence s = new AgentSilence(Duration.ofSeconds(2), T0);
    s.tick(T0.plusSeconds(1));
    // the coordinator lagged: its next tick came 20 s later, with the agent's frames still queued
    assertEquals(Duration.ofSeconds(3), s.tick(T0.plusSeconds(21)));
    // the queued heartbeat is processed: the agent was there all along
    s.heard(T0.plusSeconds(21).plusMillis(5));
    assertEquals(Duration.ofMillis(995), s.tick(T0.plusSeconds(22)));
  }

  @Test
  void aReallySilentAgentIsStillNoticedAtTheEntitysPace() {
    AgentSilence s = new AgentSilence(Duration.ofSeconds(2), T0);
    Duration silent = Duration.ZERO;
    int ticks = 0;
    // a coordinator that ticks only every 5 s still counts 2 s per tick
    while (silent.compareTo(Duration.ofSeconds(15)) <= 0) {
      ticks++;
      silent = s.tick(T0.plusSeconds(5L * ticks));
    }
    assertEquals(8, ticks);
  }
}
