package dev.drover.agent.logs;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A replica's output log with a size cap that keeps logical byte offsets.
 *
 * <p>Output goes to {@code output.log}; when it would grow past half the cap it becomes {@code
 * output.log.1} (replacing the older one) and a new {@code output.log} starts. {@code output.base}
 * holds the logical offset of the first byte of {@code output.log}, so offsets keep counting from the
 * replica's first byte and a reader asking for a dropped offset gets data from the oldest retained
 * one. Readers and the writer in one agent share the instance; a restarted agent opens the files
 * again and reads the same offsets.
 */
public final class ReplicaLog implements AutoCloseable {
  static final String CURRENT = "output.log";
  static final String PREVIOUS = "output.log.1";
  static final String BASE = "output.base";

  private final Path dir;
  private final long fileCap;
  private long base;
  private long currentSize;
  private RandomAccessFile writer;

  private ReplicaLog(Path dir, long maxBytes) {
    if (maxBytes < 2) {
      throw new IllegalArgumentException("log cap must be at least 2 bytes, got " + maxBytes);
    }
    this.dir = dir;
    this.fileCap = maxBytes / 2;
  }

  /** Opens (creating if needed) the log in dir; total size on disk stays within maxBytes. */
  public static ReplicaLog open(Path dir, long maxBytes) {
    ReplicaLog log = new ReplicaLog(dir, maxBytes);
    try {
      Files.createDirectories(dir);
      Path base = dir.resolve(BASE);
      log.base = Files.exists(base) ? Long.parseLong(Files.readString(base).trim()) : 0;
      Path current = dir.resolve(CURRENT);
      log.currentSize = Files.exists(current) ? Files.size(current) : 0;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open replica log in " + dir, e);
    }
    return log;
  }

  /** Whether a log was ever written in dir. */
  public static boolean exists(Path dir) {
    return Files.exists(dir.resolve(CURRENT));
  }

  /** Appends output, rotating when the current file reaches half the cap. */
  public synchronized void append(byte[] data, int off, int len) throws IOException {
    while (len > 0) {
      if (currentSize >= fileCap) {
        rotate();
      }
      int n = (int) Math.min(len, fileCap - currentSize);
      RandomAccessFile w = writer();
      w.seek(currentSize);
      w.write(data, off, n);
      currentSize += n;
      off += n;
      len -= n;
    }
  }

  /** Logical offset just past the last byte written. */
  public synchronized long end() {
    return base + currentSize;
  }

  /** Logical offset of the oldest byte still on disk. */
  public synchronized long start() {
    Path prev = dir.resolve(PREVIOUS);
    try {
      return Files.exists(prev) ? base - Files.size(prev) : base;
    } catch (IOException e) {
      return base;
    }
  }

  /**
   * Reads up to maxBytes from offset, or the last maxBytes when offset is negative. An offset before
   * the oldest retained byte reads from the oldest; one past the end reads nothing at the end.
   */
  public synchronized LogSlice read(long offset, int maxBytes) throws IOException {
    long end = base + currentSize;
    long oldest = start();
    long from = offset < 0 ? Math.max(oldest, end - maxBytes) : Math.min(Math.max(offset, oldest), end);
    int want = (int) Math.min(Math.max(maxBytes, 0), end - from);
    byte[] out = new byte[want];
    int filled = 0;
    if (from < base && want > 0) {
      long prevStart = oldest;
      int n = (int) Math.min(want, base - from);
      filled += readAt(dir.resolve(PREVIOUS), from - prevStart, out, 0, n);
    }
    if (filled < want) {
      long pos = from + filled - base;
      filled += readAt(dir.resolve(CURRENT), pos, out, filled, want - filled);
    }
    if (filled < want) {
      byte[] shorter = new byte[filled];
      System.arraycopy(out, 0, shorter, 0, filled);
      out = shorter;
    }
    return new LogSlice(from, from + out.length, end, out);
  }

  @Override
  public synchronized void close() {
    if (writer != null) {
      try {
        writer.close();
      } catch (IOException ignored) {
        // nothing buffered: RandomAccessFile writes straight through
      }
      writer = null;
    }
  }

  private RandomAccessFile writer() throws IOException {
    if (writer == null) {
      writer = new RandomAccessFile(dir.resolve(CURRENT).toFile(), "rw");
    }
    return writer;
  }

  private void rotate() throws IOException {
    close();
    Files.move(dir.resolve(CURRENT), dir.resolve(PREVIOUS), StandardCopyOption.REPLACE_EXISTING);
    base += currentSize;
    currentSize = 0;
    Path tmp = dir.resolve(BASE + ".tmp");
    Files.writeString(tmp, Long.toString(base), StandardCharsets.US_ASCII,
        StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
    Files.move(tmp, dir.resolve(BASE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    Files.createFile(dir.resolve(CURRENT));
  }

  private static int readAt(Path file, long pos, byte[] out, int off, int len) throws IOException {
    if (len <= 0 || !Files.exists(file)) {
      return 0;
    }
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
      f.seek(pos);
      int total = 0;
      while (total < len) {
        int n = f.read(out, off + total, len - total);
        if (n < 0) {
          break;
        }
        total += n;
      }
      return total;
    }
  }
}
