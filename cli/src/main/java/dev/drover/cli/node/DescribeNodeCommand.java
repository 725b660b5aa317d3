package dev.drover.cli.node;

import dev.drover.cli.DroverCli;
import dev.drover.cli.output.HumanFormat;
import dev.drover.cli.output.OutputFormat;
import dev.drover.cli.output.Table;
import dev.drover.protocol.api.GpuView;
import dev.drover.protocol.api.NodeView;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code drover describe-node NODE}: one node in full, each GPU with its holder and latest telemetry. */
@Command(name = "describe-node", description = "Show a node: labels, GPUs with allocation and telemetry, allocations.")
public final class DescribeNodeCommand implements Runnable {
  @ParentCommand DroverCli cli;

  @Parameters(index = "0", paramLabel = "NODE", description = "Node name.")
  String name;

  @Override
  public void run() {
    NodeView node = cli.client().node(name);
    if (cli.output() != OutputFormat.TABLE) {
      cli.output().print(node, cli.out());
      return;
    }
    cli.out().print(render(node, cli.clock().instant()));
    cli.out().flush();
  }

  /** The description as text; separate from the command so it is tested without a server. */
  public static String render(NodeView n, Instant now) {
    StringBuilder b = new StringBuilder();
    field(b, "Name", n.name());
    field(b, "Address", n.address());
    field(b, "Status", NodesCommand.status(n));
    field(b, "Schedulable", n.schedulable() ? "yes" : "no");
    if (n.cordoned() || n.draining()) {
      field(b, n.draining() ? "Draining" : "Cordoned", n.cordonReason() == null ? "(no reason given)" : n.cordonReason());
    }
    field(b, "Backend", n.backend());
    field(b, "Driver", n.driverVersion());
    field(b, "Agent", n.agentVersion());
    field(b, "CPUs", n.cpus());
    field(b, "Memory", HumanFormat.bytes(n.memoryBytes()));
    field(b, "GPUs", n.gpusAllocated() + " allocated of " + n.gpuCount());
    field(b, "Registered", HumanFormat.timestampWithAge(n.registeredAt(), now));
    field(b, "Last seen", HumanFormat.timestampWithAge(n.lastSeenAt(), now));
    b.append("Labels:\n");
    Map<String, String> labels = n.labels() == null ? Map.of() : new TreeMap<>(n.labels());
    if (labels.isEmpty()) b.append("  (none)\n");
    labels.forEach((k, v) -> b.append("  ").append(k).append('=').append(v).append('\n'));
    b.append("GPUs:\n");
    List<GpuView> gpus = n.gpus() == null ? List.of() : n.gpus();
    if (gpus.isEmpty()) {
      b.append("  (none)\n");
    } else {
      Table t = Table.withColumns("INDEX", "NAME", "MEMORY", "HEALTH", "ALLOCATED TO", "UTIL", "MEM USED", "TEMP", "POWER", "UUID");
      for (GpuView g : gpus) {
        t.row(g.index(), g.name(), HumanFormat.bytes(g.memoryBytes()), g.health(), g.allocatedTo(),
            g.utilizationPercent() == null ? null : g.utilizationPercent() + "%",
            HumanFormat.bytes(g.memoryUsedBytes()),
            g.temperatureC() == null ? null : g.temperatureC() + "C",
            g.powerWatts() == null ? null : String.format(Locale.ROOT, "%.0fW", g.powerWatts()),
            g.uuid());
      }
      indent(b, t.render());
    }
    b.append("Allocations:\n");
    List<String> allocations = n.allocations() == null ? List.of() : n.allocations();
    if (allocations.isEmpty()) b.append("  (none)\n");
    for (String a : allocations) b.append("  ").append(a).append('\n');
    return b.toString();
  }

  private static void field(StringBuilder b, String name, Object value) {
    String label = name + ":";
    b.append(label).append(" ".repeat(Math.max(1, 14 - label.length()))).append(value == null ? Table.NONE : value).append('\n');
  }

  private static void indent(StringBuilder b, String block) {
    for (String line : block.split("\n")) b.append("  ").append(line).append('\n');
  }
}
