package dev.drover.cli.node;

import dev.drover.cli.DroverCli;
import dev.drover.cli.output.OutputFormat;
import dev.drover.cli.output.Table;
import dev.drover.protocol.api.NodeList;
import dev.drover.protocol.api.NodeView;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code drover nodes}: every node with its status and GPU usage. */
@Command(name = "nodes", description = "List nodes: status, GPUs allocated/total, backend, labels.")
public final class NodesCommand implements Runnable {
  @ParentCommand DroverCli cli;

  @Override
  public void run() {
    NodeList nodes = cli.client().nodes();
    if (cli.output() != OutputFormat.TABLE) {
      cli.output().print(nodes, cli.out());
      return;
    }
    List<NodeView> items = nodes.items() == null ? List.of() : nodes.items();
    if (items.isEmpty()) {
      cli.err().println("no nodes registered");
      cli.err().flush();
      return;
    }
    cli.out().print(table(items));
    cli.out().flush();
  }

  /** The nodes table: NAME STATUS GPUS(alloc/total) BACKEND LABELS. */
  public static String table(List<NodeView> nodes) {
    Table t = Table.withColumns("NAME", "STATUS", "GPUS", "BACKEND", "LABELS");
    for (NodeView n : nodes) {
      t.row(n.name(), status(n), n.gpusAllocated() + "/" + n.gpuCount(), n.backend(), labels(n.labels()));
    }
    return t.render();
  }

  /** Status as kubectl shows it, so "Ready" alone means the scheduler may use the node. */
  public static String status(NodeView n) {
    String s = n.status() == null ? "Unknown" : n.status();
    if (n.draining()) return s + ",Draining";
    if (n.cordoned()) return s + ",Cordoned";
    return s;
  }

  /** Labels as k=v pairs, sorted so the same node always prints the same. */
  public static String labels(Map<String, String> labels) {
    if (labels == null || labels.isEmpty()) return null;
    return new TreeMap<>(labels).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
  }
}
