package dev.drover.cli.node;

import dev.drover.cli.DroverCli;
import dev.drover.cli.output.OutputFormat;
import dev.drover.protocol.api.NodeView;

/** How cordon, uncordon and drain report the node they changed. */
final class NodeTransitions {
  private NodeTransitions() {}

  /** The node as JSON/YAML, or one line: "node n1 cordoned (Ready,Cordoned)". */
  static void print(DroverCli cli, NodeView node, String what) {
    if (cli.output() != OutputFormat.TABLE) {
      cli.output().print(node, cli.out());
      return;
    }
    cli.out().println("node " + node.name() + " " + what + " (" + NodesCommand.status(node) + ")");
    cli.out().flush();
  }
}
