package dev.drover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.drover.cli.output.HumanFormat;
import dev.drover.cli.output.Table;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutputFormattingTest {
  @Test
  void tableAlignsColumnsAndMarksEmptyCells() {
    String t = Table.withColumns("A", "LONGER", "C").row("xyz", null, "last").row("1", "22", "").render();
    assertEquals("A     LONGER   C\nxyz   -        last\n1     22       -\n", t);
  }

  @Test
  void durationsUseTheTwoLargestUnits() {
    assertEquals("0s", HumanFormat.duration(Duration.ZERO));
    assertEquals("45s", HumanFormat.duration(Duration.ofSeconds(45)));
    assertEquals("3m", HumanFormat.duration(Duration.ofMinutes(3)));
    assertEquals("3m20s", HumanFormat.duration(Duration.ofSeconds(200)));
    assertEquals("12m", HumanFormat.duration(Duration.ofSeconds(12 * 60 + 5)));
    assertEquals("5h3m", HumanFormat.duration(Duration.ofMinutes(303)));
    assertEquals("2d5h", HumanFormat.duration(Duration.ofHours(53)));
    assertEquals("40d", HumanFormat.duration(Duration.ofHours(40 * 24 + 3)));
  }

  @Test
  void agesReadBackwardsFromNow() {
    Instant now = Instant.parse("2025-01-01T12:00:00Z");
    assertEquals("3m ago", HumanFormat.ago(now.minusSeconds(180), now));
    assertEquals("just now", HumanFormat.ago(now.plusSeconds(2), now));
    assertEquals("-", HumanFormat.ago(null, now));
    assertEquals("2025-01-01 11:57:00Z (3m ago)", HumanFormat.timestampWithAge(now.minusSeconds(180), now));
  }

  @Test
  void gpuListsAndTruncation() {
    assertEquals("0,1", HumanFormat.gpus(List.of(0, 1)));
    assertEquals("-", HumanFormat.gpus(List.of()));
    assertEquals("abcdefg...", HumanFormat.truncate("abcdefghijklmnop", 10));
    assertEquals("short", HumanFormat.truncate("short", 10));
  }
}
