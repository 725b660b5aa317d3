package dev.drover.agent.logs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplicaLogTest {
  @TempDir Path dir;

  private static byte[] bytes(int from, int to) {
    byte[] b = new byte[to - from];
    for (int i = from; i < to; i++) {
      b[i - from] = (byte) ('a' + i % 26);
    }
    return b;
  }

  @Test
  void rotationKeepsLogicalOffsetsAndTheCap() throws Exception {
    try (ReplicaLog log = ReplicaLog.open(dir, 100)) {
      for (int i = 0; i < 250; i += 7) {
        byte[] chunk = bytes(i, Math.min(i + 7, 250));
        log.append(chunk, 0, chunk.length);
      }
      assertEquals(250, log.end());
      // each file holds at most 50 bytes: [150, 200) in .1 and [200, 250) in the current file
      assertEquals(150, log.start());
      assertTrue(Files.size(dir.resolve("output.log")) <= 50);
      assertTrue(Files.size(dir.resolve("output.log.1")) <= 50);

      LogSlice s = log.read(160, 60);
      assertEquals(160, s.offset());
      assertEquals(220, s.nextOffset());
      assertArrayEquals(bytes(160, 220), s.data());

      LogSlice dropped = log.read(10, 20);
      assertEquals(150, dropped.offset());
      assertArrayEquals(bytes(150, 170), dropped.data());

      LogSlice tail = log.read(-1, 30);
      assertEquals(220, tail.offset());
      assertEquals(250, tail.nextOffset());
      assertArrayEquals(bytes(220, 250), tail.data());

      LogSlice past = log.read(400, 10);
      assertEquals(250, past.offset());
      assertEquals(0, past.data().length);
    }
    try (ReplicaLog reopened = ReplicaLog.open(dir, 100)) {
      assertEquals(150, reopened.start());
      assertEquals(250, reopened.end());
      assertArrayEquals(bytes(190, 210), reopened.read(190, 20).data());
    }
  }

  @Test
  void smallLogReadsWholly() throws Exception {
    try (ReplicaLog log = ReplicaLog.open(dir, 1 << 20)) {
      byte[] hello = "hello\nworld\n".getBytes(StandardCharsets.UTF_8);
      log.append(hello, 0, hello.length);
      LogSlice s = log.read(0, 1000);
      assertEquals("hello\nworld\n", new String(s.data(), StandardCharsets.UTF_8));
      assertEquals(12, s.nextOffset());
      assertEquals(12, s.end());
      assertArrayEquals(Arrays.copyOfRange(hello, 6, 12), log.read(6, 100).data());
    }
  }
}
