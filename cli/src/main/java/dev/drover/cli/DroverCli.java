package dev.drover.cli;

import dev.drover.cli.http.DroverClient;
import dev.drover.cli.job.CancelCommand;
import dev.drover.cli.job.DescribeJobCommand;
import dev.drover.cli.job.JobsCommand;
import dev.drover.cli.job.LogsCommand;
import dev.drover.cli.job.SubmitCommand;
import dev.drover.cli.node.CordonCommand;
import dev.drover.cli.node.DescribeNodeCommand;
import dev.drover.cli.node.DrainCommand;
import dev.drover.cli.node.NodesCommand;
import dev.drover.cli.node.UncordonCommand;
import dev.drover.cli.output.OutputFormat;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code drover}: the command-line client of a Drover cluster. It holds the options every
 * subcommand shares and what the process gives it (environment, home, stdin, clock), injected so
 * tests run it in-process without touching the real environment.
 */
@Command(
    name = "drover",
    description = "Submit and inspect GPU jobs and nodes of a Drover cluster.",
    subcommands = {
      SubmitCommand.class,
      JobsCommand.class,
      DescribeJobCommand.class,
      LogsCommand.class,
      CancelCommand.class,
      NodesCommand.class,
      DescribeNodeCommand.class,
      CordonCommand.class,
      UncordonCommand.class,
      DrainCommand.class,
      dev.drover.cli.queue.QueuesCommand.class,
      dev.drover.cli.queue.DescribeQueueCommand.class,
      dev.drover.cli.queue.CreateQueueCommand.class,
      dev.drover.cli.queue.UpdateQueueCommand.class,
      dev.drover.cli.queue.DeleteQueueCommand.class,
      VersionCommand.class
    },
    footer = {
      "",
      "Server, token and CA: --server/--token/--ca-cert, else DROVER_URL/DROVER_TOKEN/DROVER_CA_CERT, else the",
      "config file (DROVER_CONFIG or ~/.drover/config, keys url, token and ca-cert, written by 'drover up').",
      "Exit codes: 0 ok, 1 error, 2 usage, 3 not found, 4 auth, 5 conflict, 6 server unreachable."
    })
public final class DroverCli implements Runnable {
  @Option(names = {"-h", "--help"}, usageHelp = true, scope = ScopeType.INHERIT, description = "Show this help.")
  boolean help;

  @Option(names = "--server", paramLabel = "URL", scope = ScopeType.INHERIT, description = "Drover server, e.g. http://127.0.0.1:8080.")
  String server;

  @Option(names = "--token", paramLabel = "TOKEN", scope = ScopeType.INHERIT, description = "API token (Bearer).")
  String token;

  @Option(
      names = "--ca-cert",
      paramLabel = "FILE",
      scope = ScopeType.INHERIT,
      description = "PEM file of the CA(s) an https:// server is verified against, instead of the JVM's trust store.")
  String caCert;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      scope = ScopeType.INHERIT,
      description = "table (default), json or yaml.")
  OutputFormat output;

  @Option(names = "--debug", scope = ScopeType.INHERIT, description = "Print stack traces of failures.")
  boolean debug;

  @Spec CommandSpec spec;

  private final Map<String, String> env;
  private final Path home;
  private final InputStream stdin;
  private final Clock clock;
  private final AtomicBoolean interrupted = new AtomicBoolean();

  public DroverCli(Map<String, String> env, Path home, InputStream stdin, Clock clock) {
    this.env = Map.copyOf(env);
    this.home = home;
    this.stdin = stdin;
    this.clock = clock;
  }

  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
    PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
    DroverCli cli = new DroverCli(System.getenv(), Path.of(System.getProperty("user.home")), System.in, Clock.systemUTC());
    // Ctrl-C (e.g. ending 'logs -f') runs shutdown hooks while the command may still be reading;
    // the flag tells the failure handler to stay quiet instead of reporting the broken stream.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  cli.interrupted.set(true);
                  out.flush();
                },
                "drover-shutdown"));
    int code = commandLine(cli, out, err).execute(args);
    out.flush();
    System.exit(code);
  }

  /** The configured command line: our error handling, shared writers, case-insensitive enums. */
  public static CommandLine commandLine(DroverCli cli, PrintWriter out, PrintWriter err) {
    CommandLine cmd = new CommandLine(cli);
    FailureHandler failures = new FailureHandler(cli);
    cmd.setCaseInsensitiveEnumValuesAllowed(true)
        .setExecutionExceptionHandler(failures)
        .setParameterExceptionHandler(failures)
        .setOut(out)
        .setErr(err);
    return cmd;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
  }

  /** A client for the resolved server and token; resolving here lets 'version' and '--help' work unconfigured. */
  public DroverClient client() {
    ClientConfig config = ClientConfig.resolve(server, token, caCert, env, home);
    return new DroverClient(config.server(), config.token(), config.trust());
  }

  public OutputFormat output() {
    return output == null ? OutputFormat.TABLE : output;
  }

  public PrintWriter out() {
    return spec.commandLine().getOut();
  }

  public PrintWriter err() {
    return spec.commandLine().getErr();
  }

  public InputStream stdin() {
    return stdin;
  }

  public Clock clock() {
    return clock;
  }

  boolean debug() {
    return debug;
  }

  boolean interrupted() {
    return interrupted.get();
  }
}
