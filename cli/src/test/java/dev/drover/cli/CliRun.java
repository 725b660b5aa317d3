package dev.drover.cli;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.Duration;
import java.util.Map;

/** Runs {@code drover} in-process with an injected environment, home, stdin and clock, capturing its output. */
final class CliRun {
  static final Instant NOW = Instant.parse("2025-01-01T12:00:00Z");

  record Result(int exitCode, String out, String err) {}

  private final Map<String, String> env;
  private final Path home;
  private byte[] stdin = new byte[0];

  CliRun(Map<String, String> env, Path home) {
    this.env = env;
    this.home = home;
  }

  CliRun stdin(byte[] bytes) {
    this.stdin = bytes;
    return this;
  }

  Result run(String... args) {
    ObservableWriter out = new ObservableWriter();
    ObservableWriter err = new ObservableWriter();
    int code = run(out, err, args);
    return new Result(code, out.text(), err.text());
  }

  int run(Writer out, Writer err, String... args) {
    DroverCli cli = new DroverCli(env, home, new ByteArrayInputStream(stdin), Clock.fixed(NOW, ZoneOffset.UTC));
    return DroverCli.commandLine(cli, new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
  }

  /** A writer another thread can wait on until some text has been written; no sleeping and polling. */
  static final class ObservableWriter extends Writer {
    private final StringBuilder text = new StringBuilder();

    @Override
    public synchronized void write(char[] cbuf, int off, int len) {
      text.append(cbuf, off, len);
      notifyAll();
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}

    synchronized String text() {
      return text.toString();
    }

    synchronized boolean awaitContains(String s, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (text.indexOf(s) < 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) return false;
        wait(Math.max(1, left / 1_000_000));
      }
      return true;
    }
  }
}
