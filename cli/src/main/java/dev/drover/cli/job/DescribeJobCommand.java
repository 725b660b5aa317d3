package dev.drover.cli.job;

import dev.drover.cli.DroverCli;
import dev.drover.cli.http.DroverClient;
import dev.drover.cli.output.HumanFormat;
import dev.drover.cli.output.OutputFormat;
import dev.drover.cli.output.Table;
import dev.drover.protocol.api.JobEventView;
import dev.drover.protocol.api.JobEvents;
import dev.drover.protocol.api.JobView;
import dev.drover.protocol.api.ReplicaView;
import dev.drover.protocol.spec.JobSpec;
import dev.drover.protocol.spec.Resources;
import dev.drover.protocol.spec.RestartPolicy;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code drover describe JOB}: everything about one job, ending with its history as a timeline. */
@Command(
    name = "describe",
    description = "Show a job: spec, replicas (node, GPUs, phase, exit code), pending reason and event history.")
public final class DescribeJobCommand implements Runnable {
  @ParentCommand DroverCli cli;

  @Parameters(index = "0", paramLabel = "JOB", description = "Job id.")
  String jobId;

  @Override
  public void run() {
    DroverClient client = cli.client();
    JobView job = client.job(jobId);
    if (cli.output() != OutputFormat.TABLE) {
      // The API object itself, so scripts get exactly what GET /jobs/{id} returns.
      cli.output().print(job, cli.out());
      return;
    }
    JobEvents events = client.events(jobId);
    cli.out().print(render(job, events, cli.clock().instant()));
    cli.out().flush();
  }

  /** The description as text; separate from the command so it is tested without a server. */
  public static String render(JobView j, JobEvents events, Instant now) {
    StringBuilder b = new StringBuilder();
    field(b, "ID", j.id());
    field(b, "Name", j.name());
    field(b, "Queue", j.queue());
    field(b, "Priority", j.priority());
    field(b, "Owner", j.owner());
    field(b, "State", j.state());
    field(b, "Attempt", j.attempt() + " (restarts: " + j.restarts() + ")");
    field(b, "Gang", j.replicas() + " replica(s) x " + j.gpusPerReplica() + " GPU(s)");
    field(b, "Submitted", HumanFormat.timestampWithAge(j.submittedAt(), now));
    if (j.startedAt() != null) field(b, "Started", HumanFormat.timestampWithAge(j.startedAt(), now));
    if (j.finishedAt() != null) field(b, "Finished", HumanFormat.timestampWithAge(j.finishedAt(), now));
    if (j.pendingReason() != null) field(b, "Pending reason", j.pendingReason());
    if (j.pending() != null) pending(b, j.pending(), now);
    if (j.message() != null) field(b, "Message", j.message());
    if (j.spec() != null) spec(b, j.spec());
    b.append("Replicas:\n");
    List<ReplicaView> replicas = j.replicaStatus() == null ? List.of() : j.replicaStatus();
    if (replicas.isEmpty()) {
      b.append("  (none placed yet)\n");
    } else {
      Table t = Table.withColumns("RANK", "NODE", "GPUS", "GPU UUIDS", "PHASE", "PID", "EXIT", "STARTED", "MESSAGE");
      for (ReplicaView r : replicas) {
        t.row(r.rank(), r.node(), HumanFormat.gpus(r.gpus()),
            r.gpuUuids() == null ? null : String.join(",", r.gpuUuids()), r.phase(), r.pid(), exit(r),
            r.startedAt() == null ? null : HumanFormat.ago(r.startedAt(), now), r.message());
      }
      indent(b, t.render());
    }
    b.append("Events:\n");
    List<JobEventView> list = events == null || events.events() == null ? List.of() : events.events();
    if (list.isEmpty()) {
      b.append("  (none)\n");
    } else {
      Table t = Table.withColumns("TIME", "AGE", "EVENT", "SUMMARY");
      for (JobEventView e : list) {
        t.row(HumanFormat.timestamp(e.at()), HumanFormat.ago(e.at(), now), e.type(), e.summary());
      }
      indent(b, t.render());
    }
    return b.toString();
  }

  private static void pending(StringBuilder b, dev.drover.protocol.api.PendingInfo p, java.time.Instant now) {
    if (p.code() != null) field(b, "Pending code", p.code());
    if (p.queuePosition() > 0) field(b, "Queue position", p.queuePosition());
    if (p.quota() != null) field(b, "Quota", p.quota());
    if (p.estimatedStart() != null) field(b, "Estimated start", HumanFormat.timestamp(p.estimatedStart()));
    if (p.rejectedNodesByFilter() != null && !p.rejectedNodesByFilter().isEmpty()) {
      StringBuilder f = new StringBuilder();
      p.rejectedNodesByFilter().forEach((k, v) -> f.append(f.length() == 0 ? "" : ", ").append(k).append(": ").append(v));
      field(b, "Nodes rejected", f.toString());
    }
  }

  private static void spec(StringBuilder b, JobSpec s) {
    b.append("Spec:\n");
    Resources r = s.resources();
    if (r != null) {
      b.append("  Resources per replica: ")
          .append(r.gpus()).append(" GPU, ")
          .append(r.cpus() == null ? "-" : stripZero(r.cpus())).append(" CPU, ")
          .append(r.memory()).append(" memory\n");
    }
    b.append("  Command: ").append(s.command() == null ? "-" : String.join(" ", quote(s.command()))).append('\n');
    if (s.args() != null && !s.args().isEmpty()) b.append("  Args: ").append(String.join(" ", quote(s.args()))).append('\n');
    if (s.env() != null && !s.env().isEmpty()) {
      b.append("  Env:\n");
      for (Map.Entry<String, String> e : new TreeMap<>(s.env()).entrySet()) {
        b.append("    ").append(e.getKey()).append('=').append(e.getValue()).append('\n');
      }
    }
    if (s.workingDir() != null) b.append("  Working dir: ").append(s.workingDir()).append('\n');
    if (s.maxRuntime() != null) b.append("  Max runtime: ").append(s.maxRuntime()).append('\n');
    RestartPolicy rp = s.restartPolicy();
    if (rp != null) {
      b.append("  Restart policy: up to ").append(rp.maxRestarts()).append(" whole-gang restart(s), backoff ")
          .append(rp.backoff()).append('\n');
    }
    if (s.terminationGracePeriod() != null) {
      b.append("  Termination grace period: ").append(s.terminationGracePeriod()).append('\n');
    }
  }

  private static String exit(ReplicaView r) {
    if (r.exitCode() == null) return r.termination();
    return r.termination() == null ? r.exitCode().toString() : r.exitCode() + " (" + r.termination() + ")";
  }

  /** Shell-style quoting, so a command with spaces in an argument reads unambiguously. */
  private static List<String> quote(List<String> words) {
    return words.stream()
        .map(w -> w == null ? "" : w.isEmpty() || w.matches(".*[\\s'\"\\\\$`].*") ? "'" + w.replace("'", "'\\''") + "'" : w)
        .collect(Collectors.toList());
  }

  private static String stripZero(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  private static void field(StringBuilder b, String name, Object value) {
    String label = name + ":";
    b.append(label).append(" ".repeat(Math.max(1, 16 - label.length()))).append(value == null ? Table.NONE : value).append('\n');
  }

  private static void indent(StringBuilder b, String block) {
    for (String line : block.split("\n")) b.append("  ").append(line).append('\n');
  }
}
