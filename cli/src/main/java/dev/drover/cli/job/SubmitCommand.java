package dev.drover.cli.job;

import dev.drover.cli.CliException;
import dev.drover.cli.DroverCli;
import dev.drover.cli.ExitCodes;
import dev.drover.cli.http.Submission;
import dev.drover.cli.output.OutputFormat;
import dev.drover.protocol.api.JobView;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code drover submit -f FILE}: sends a job spec as written. The server validates it; checking it
 * here too would only risk the two disagreeing.
 */
@Command(name = "submit", description = "Submit a job spec (YAML or JSON file, or - for stdin).")
public final class SubmitCommand implements Runnable {
  @ParentCommand DroverCli cli;

  @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE", description = "Job spec: .yaml, .yml or .json, or - for stdin.")
  String file;

  @Option(
      names = "--idempotency-key",
      paramLabel = "KEY",
      description = "Submitting twice with the same key creates the job once and returns it both times.")
  String idempotencyKey;

  @Override
  public void run() {
    byte[] body;
    String contentType;
    if (file.equals("-")) {
      body = readStdin();
      contentType = SpecContentType.of(null, body);
    } else {
      Path path = Path.of(file);
      body = read(path);
      contentType = SpecContentType.of(path.getFileName().toString(), body);
    }
    Submission s = cli.client().submit(body, contentType, idempotencyKey);
    JobView job = s.job();
    if (cli.output() != OutputFormat.TABLE) {
      cli.output().print(job, cli.out());
      return;
    }
    PrintWriter out = cli.out();
    if (s.created()) {
      out.println("job " + job.id() + " submitted, state " + job.state());
    } else {
      out.println("job " + job.id() + " was already submitted with this idempotency key, state " + job.state());
    }
    out.flush();
  }

  private byte[] readStdin() {
    try {
      return cli.stdin().readAllBytes();
    } catch (IOException e) {
      throw new CliException("cannot read the job spec from stdin: " + e.getMessage(), ExitCodes.FAILURE);
    }
  }

  private static byte[] read(Path path) {
    try {
      return Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      throw new CliException("cannot read " + path + ": no such file", ExitCodes.FAILURE);
    } catch (IOException e) {
      throw new CliException("cannot read " + path + ": " + e.getMessage(), ExitCodes.FAILURE);
    }
  }
}
