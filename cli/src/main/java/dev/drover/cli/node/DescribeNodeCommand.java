package dev.drover.cli.node;

import dev.drover.cli.DroverCli;
import dev.drover.cli.output.HumanFormat;
import dev.drover.cli.output.OutputFormat;
import dev.drover.cli.output.Sparkline;
import dev.drover.cli.output.Table;
import dev.drover.cli.http.ApiException;
import dev.drover.protocol.agent.GpuLink;
import dev.drover.protocol.api.GpuDetail;
import dev.drover.protocol.api.GpuView;
import dev.drover.protocol.api.HealthConditionView;
import dev.drover.protocol.api.HealthEventView;
import dev.drover.protocol.api.NodeGpus;
import dev.drover.protocol.api.TelemetryPoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.stream.Collectors;
import dev.drover.protocol.api.NodeView;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code drover describe-node NODE}: one node in full: each GPU with its health, holder and latest
 * telemetry, why unhealthy GPUs are unhealthy, the GPU topology, recent telemetry as sparklines, and
 * the node's health history.
 */
@Command(name = "describe-node", description = "Show a node: labels, GPUs with health, allocation and telemetry, "
    + "GPU topology, telemetry history, health history, allocations.")
public final class DescribeNodeCommand implements Runnable {
  @ParentCommand DroverCli cli;

  @Parameters(index = "0", paramLabel = "NODE", description = "Node name.")
  String name;

  @Override
  public void run() {
    NodeView node = cli.client().node(name);
    NodeGpus gpus;
    try {
      gpus = cli.client().nodeGpus(name);
    } catch (ApiException e) {
      // A coordinator older than the GPU health API: describe what it has.
      if (e.status() != 404) throw e;
      gpus = null;
    }
    if (cli.output() != OutputFormat.TABLE) {
      cli.output().print(gpus == null ? node : new Described(node, gpus), cli.out());
      return;
    }
    cli.out().print(render(node, gpus, cli.clock().instant()));
    cli.out().flush();
  }

  /** What {@code -o json|yaml} prints: the node and its GPUs in depth. */
  public record Described(NodeView node, NodeGpus gpus) {}

  /** The description as text without GPU details. */
  public static String render(NodeView n, Instant now) {
    return render(n, null, now);
  }

  /** The description as text; separate from the command so it is tested without a server. */
  public static String render(NodeView n, NodeGpus detail, Instant now) {
    StringBuilder b = new StringBuilder();
    field(b, "Name", n.name());
    field(b, "Address", n.address());
    field(b, "Status", NodesCommand.status(n));
    field(b, "Schedulable", n.schedulable() ? "yes" : "no");
    if (n.cordoned() || n.draining()) {
      String reason = n.cordonReason() == null ? "(no reason given)" : n.cordonReason();
      field(b, n.draining() ? "Draining" : "Cordoned", n.autoCordoned() ? "automatically (GPU health): " + reason : reason);
    }
    if (n.health() != null) {
      String health = n.health() + (n.gpusUnhealthy() > 0 ? ", " + n.gpusUnhealthy() + " of " + n.gpuCount() + " GPUs unhealthy" : "");
      if (detail != null && !detail.nodeConditions().isEmpty()) {
        health += " (" + detail.nodeConditions().stream().map(HealthConditionView::reason).collect(Collectors.joining("; ")) + ")";
      }
      field(b, "Health", health);
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
        String health = g.health();
        if (Boolean.FALSE.equals(g.schedulable()) && "Healthy".equals(health)) health = "Healthy (held)";
        t.row(g.index(), g.name(), HumanFormat.bytes(g.memoryBytes()), health, g.allocatedTo(),
            g.utilizationPercent() == null ? null : g.utilizationPercent() + "%",
            HumanFormat.bytes(g.memoryUsedBytes()),
            g.temperatureC() == null ? null : g.temperatureC() + "C",
            g.powerWatts() == null ? null : String.format(Locale.ROOT, "%.0fW", g.powerWatts()),
            g.uuid());
      }
      indent(b, t.render());
    }
    if (detail != null) details(b, detail, now);
    b.append("Allocations:\n");
    List<String> allocations = n.allocations() == null ? List.of() : n.allocations();
    if (allocations.isEmpty()) b.append("  (none)\n");
    for (String a : allocations) b.append("  ").append(a).append('\n');
    return b.toString();
  }

  private static void details(StringBuilder b, NodeGpus d, Instant now) {
    List<GpuDetail> faulty = d.gpus().stream().filter(g -> !g.conditions().isEmpty() || !g.schedulable()).toList();
    if (!faulty.isEmpty()) {
      b.append("GPU health:\n");
      for (GpuDetail g : faulty) {
        String why = g.conditions().isEmpty()
            ? "healthy again, held out of placement for the recovery hold"
            : g.conditions().stream().map(HealthConditionView::reason).collect(Collectors.joining("; "));
        b.append("  GPU ").append(g.index()).append("  ").append(g.health())
            .append(g.healthSince() == null ? "" : " since " + HumanFormat.timestampWithAge(g.healthSince(), now))
            .append(": ").append(why).append('\n');
      }
    }
    if (!d.topology().isEmpty()) {
      b.append("Topology:\n");
      int n = d.gpus().size();
      String[][] cells = new String[n][n];
      for (int i = 0; i < n; i++) cells[i][i] = "X";
      for (GpuLink l : d.topology()) {
        if (l.a() < n && l.b() < n) {
          String c = "NVLINK".equals(l.path()) ? "NV" + l.nvlinks() : l.path();
          cells[l.a()][l.b()] = c;
          cells[l.b()][l.a()] = c;
        }
      }
      String[] header = new String[n + 1];
      header[0] = "";
      for (int i = 0; i < n; i++) header[i + 1] = "GPU" + i;
      Table t = Table.withColumns(header);
      for (int i = 0; i < n; i++) {
        Object[] row = new Object[n + 1];
        row[0] = "GPU" + i;
        System.arraycopy(cells[i], 0, row, 1, n);
        t.row(row);
      }
      indent(b, t.render());
    }
    boolean anyTelemetry = d.gpus().stream().anyMatch(g -> g.telemetry().size() > 1);
    if (anyTelemetry) {
      GpuDetail first = d.gpus().stream().filter(g -> g.telemetry().size() > 1).findFirst().orElseThrow();
      List<TelemetryPoint> pts = first.telemetry();
      b.append("Telemetry (").append(pts.size()).append(" samples over ")
          .append(HumanFormat.duration(Duration.between(pts.get(0).at(), pts.get(pts.size() - 1).at()))).append("):\n");
      Table t = Table.withColumns("GPU", "UTIL %", "TEMP C", "POWER W", "SM MHZ", "THROTTLE");
      for (GpuDetail g : d.gpus()) {
        List<TelemetryPoint> p = g.telemetry();
        TelemetryPoint last = g.latest();
        t.row(g.index(),
            Sparkline.of(p.stream().map(x -> x.utilizationPercent() == null ? null : x.utilizationPercent().doubleValue()).toList(), 0, 100.0)
                + " " + (last == null || last.utilizationPercent() == null ? Table.NONE : last.utilizationPercent()),
            Sparkline.of(p.stream().map(x -> x.temperatureC() == null ? null : x.temperatureC().doubleValue()).toList(), 20, 100.0)
                + " " + (last == null || last.temperatureC() == null ? Table.NONE : last.temperatureC()),
            Sparkline.of(p.stream().map(TelemetryPoint::powerWatts).toList(), 0, null)
                + " " + (last == null || last.powerWatts() == null ? Table.NONE : String.format(Locale.ROOT, "%.0f", last.powerWatts())),
            last == null || last.smClockMhz() == null ? null : last.smClockMhz(),
            last == null || last.throttleReasons() == null || last.throttleReasons().isEmpty() ? null : String.join(",", last.throttleReasons()));
      }
      indent(b, t.render());
    }
    List<HealthEventView> history = new ArrayList<>(d.history());
    for (GpuDetail g : d.gpus()) history.addAll(g.history());
    history.sort(java.util.Comparator.comparing(HealthEventView::at));
    if (!history.isEmpty()) {
      b.append("Health history:\n");
      Table t = Table.withColumns("TIME", "WHAT", "CHANGE", "REASON");
      for (HealthEventView e : history.subList(Math.max(0, history.size() - 20), history.size())) {
        String what = e.gpu() != null ? "GPU " + e.gpu() : "node";
        String change = switch (e.kind()) {
          case "AUTO_CORDON" -> "cordoned automatically";
          case "AUTO_UNCORDON" -> "uncordoned automatically";
          default -> e.from() + " -> " + e.to();
        };
        t.row(HumanFormat.timestamp(e.at()), what, change, e.reason());
      }
      indent(b, t.render());
    }
  }

  private static void field(StringBuilder b, String name, Object value) {
    String label = name + ":";
    b.append(label).append(" ".repeat(Math.max(1, 14 - label.length()))).append(value == null ? Table.NONE : value).append('\n');
  }

  private static void indent(StringBuilder b, String block) {
    for (String line : block.split("\n")) b.append("  ").append(line).append('\n');
  }
}
