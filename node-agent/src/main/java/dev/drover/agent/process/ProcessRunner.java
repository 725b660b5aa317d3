package dev.drover.agent.process;

import dev.drover.agent.logs.ReplicaLog;
import dev.drover.protocol.agent.ReplicaAssignment;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.regex.Pattern;

/**
 * Starts replicas as OS processes, each leading its own session and process group (via {@code
 * setsid}) so that stopping one reaches its whole tree. Output of stdout and stderr goes to a capped
 * log under {@code <work-dir>/replicas/<allocationId>/}.
 */
public final class ProcessRunner {
  private static final Pattern SAFE_ID = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$");
  private static final String SETSID = "/usr/bin/setsid";

  private final Path workDir;
  private final String nodeName;
  private final long logMaxBytes;
  private final ScheduledExecutorService timers;

  public ProcessRunner(Path workDir, String nodeName, long logMaxBytes, ScheduledExecutorService timers) {
    this.workDir = workDir;
    this.nodeName = nodeName;
    this.logMaxBytes = logMaxBytes;
    this.timers = timers;
  }

  /** Directory of one replica's log files (kept after the replica is forgotten). */
  public Path replicaDir(String allocationId) {
    return workDir.resolve("replicas").resolve(allocationId);
  }

  public long logMaxBytes() {
    return logMaxBytes;
  }

  /**
   * Starts the replica's process.
   *
   * @throws StartFailedException when the program or working directory is unusable or the OS
   *     refuses the start
   */
  public ReplicaProcess start(ReplicaAssignment a) throws StartFailedException {
    if (a.allocationId() == null || !SAFE_ID.matcher(a.allocationId()).matches()) {
      throw new StartFailedException("invalid allocation id '" + a.allocationId() + "'");
    }
    List<String> argv = new ArrayList<>();
    if (a.command() != null) {
      argv.addAll(a.command());
    }
    if (a.args() != null) {
      argv.addAll(a.args());
    }
    if (argv.isEmpty() || argv.get(0) == null || argv.get(0).isBlank()) {
      throw new StartFailedException("the replica has no command");
    }
    Path replicaDir = replicaDir(a.allocationId());
    Path cwd;
    if (a.workingDir() != null && !a.workingDir().isBlank()) {
      cwd = Path.of(a.workingDir());
      if (!Files.isDirectory(cwd)) {
        throw new StartFailedException("working directory " + cwd + " does not exist or is not a directory");
      }
    } else {
      cwd = replicaDir.resolve("work");
    }
    try {
      Files.createDirectories(replicaDir);
      Files.createDirectories(cwd);
    } catch (IOException e) {
      throw new StartFailedException("cannot create " + replicaDir + ": " + e.getMessage());
    }

    ProcessBuilder pb = new ProcessBuilder();
    Map<String, String> env = pb.environment();
    if (a.env() != null) {
      a.env().forEach((k, v) -> env.put(k, v == null ? "" : v));
    }
    env.putAll(ReplicaEnvironment.of(a, nodeName));
    String program = resolve(argv.get(0), env.get("PATH"), cwd);
    List<String> command = new ArrayList<>();
    // setsid execs in place (our child is never a group leader), so the pid Java sees is the
    // replica's own pid and also its session and process group id.
    command.add(SETSID);
    command.add(program);
    command.addAll(argv.subList(1, argv.size()));
    pb.command(command).directory(cwd.toFile()).redirectErrorStream(true);
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));

    ReplicaLog log;
    try {
      log = ReplicaLog.open(replicaDir, logMaxBytes);
    } catch (RuntimeException e) {
      throw new StartFailedException("cannot open the replica log: " + e.getMessage());
    }
    Process process;
    try {
      process = pb.start();
    } catch (IOException e) {
      log.close();
      throw new StartFailedException("cannot start " + program + ": " + e.getMessage());
    }
    return ReplicaProcess.started(a, process, log, timers);
  }

  /**
   * Finds the program the way execvp would, so a missing one is a START_FAILED with a clear message
   * instead of a setsid exit code 127 that looks like the program's own failure.
   */
  static String resolve(String program, String path, Path cwd) throws StartFailedException {
    if (program.contains("/")) {
      Path p = cwd.resolve(program);
      if (!Files.isRegularFile(p)) {
        throw new StartFailedException("no such program: " + program);
      }
      if (!Files.isExecutable(p)) {
        throw new StartFailedException("program is not executable: " + program);
      }
      return p.toAbsolutePath().toString();
    }
    String searched = path == null || path.isEmpty() ? "/usr/local/bin:/usr/bin:/bin" : path;
    for (String dir : searched.split(":")) {
      Path p = (dir.isEmpty() ? cwd : cwd.resolve(dir)).resolve(program);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return p.toAbsolutePath().toString();
      }
    }
    throw new StartFailedException("no such program: " + program + " (not found on PATH " + searched + ")");
  }
}
