package dev.drover.agent.process;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The Linux process table as the agent needs it: who belongs to a replica's session, when a pid
 * started (to tell a pid from a reused one), and signals to whole trees via libc {@code kill}.
 */
public final class ProcessTable {
  public static final int SIGKILL = 9;
  public static final int SIGTERM = 15;

  private static final Path PROC = Path.of("/proc");

  private interface LibC extends Library {
    int kill(int pid, int sig);
  }

  private static final LibC LIBC = Native.load("c", LibC.class);

  private ProcessTable() {}

  /**
   * One line of /proc/pid/stat, the fields the agent reads.
   *
   * @param state R, S, D, Z, T, ...
   * @param startTicks start time in clock ticks since boot (field 22)
   */
  public record ProcStat(long pid, char state, long pgrp, long session, long startTicks) {
    public boolean zombie() {
      return state == 'Z' || state == 'X';
    }
  }

  /** The stat of pid, or empty when no such process exists. */
  public static Optional<ProcStat> stat(long pid) {
    try {
      return Optional.of(parse(pid, Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"))));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  static ProcStat parse(long pid, String line) {
    // comm (field 2) may contain spaces and parentheses; everything after the last ')' is fixed.
    String rest = line.substring(line.lastIndexOf(')') + 2);
    String[] f = rest.split(" ");
    // f[0] is field 3 (state); field n is f[n - 3].
    return new ProcStat(pid, f[0].charAt(0), Long.parseLong(f[2]), Long.parseLong(f[3]), Long.parseLong(f[19]));
  }

  /** Whether pid is a live (non-zombie) process that started at startTicks. */
  public static boolean alive(long pid, long startTicks) {
    return stat(pid).filter(s -> !s.zombie() && s.startTicks() == startTicks).isPresent();
  }

  /**
   * Live processes whose session or process group is leader (a replica started under setsid). Asks
   * the kernel each pid's session and group with getsid/getpgid (plain system calls, ~1 us) and reads
   * /proc/pid/stat (~10 us, formatted by the kernel) only for a match, to leave zombies out: a scan
   * runs at least once per replica exit, so it must stay cheap on a node with many processes.
   */
  public static List<Long> members(long leader) {
    String[] names = PROC.toFile().list();
    if (names == null) throw new IllegalStateException("cannot list /proc");
    List<Long> out = new ArrayList<>();
    for (String name : names) {
      int pid = pidOf(name);
      if (pid <= 0 || (Posix.getsid(pid) != leader && Posix.getpgid(pid) != leader)) continue;
      stat(pid)
          .filter(s -> !s.zombie() && (s.session() == leader || s.pgrp() == leader))
          .ifPresent(s -> out.add(s.pid()));
    }
    return out;
  }

  /** The pid a /proc entry names, or -1 for the entries that are not processes (self, net, ...). */
  private static int pidOf(String name) {
    if (name.isEmpty() || name.length() > 9) return -1;
    int pid = 0;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < '0' || c > '9') return -1;
      pid = pid * 10 + (c - '0');
    }
    return pid;
  }

  /** libc calls bound by JNA's direct mapping (no proxy or reflection per call). */
  private static final class Posix {
    static {
      Native.register("c");
    }

    static native int getsid(int pid);

    static native int getpgid(int pid);
  }

  /** Signals one process. */
  public static void signal(long pid, int sig) {
    LIBC.kill((int) pid, sig);
  }

  /**
   * Sends sig to the process group of leader and to every other member of its session, so a child
   * that moved to its own process group is not missed.
   */
  public static void signalTree(long leader, int sig) {
    LIBC.kill((int) -leader, sig);
    for (long pid : members(leader)) {
      LIBC.kill((int) pid, sig);
    }
  }
}
