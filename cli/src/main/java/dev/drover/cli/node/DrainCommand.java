package dev.drover.cli.node;

import dev.drover.cli.DroverCli;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code drover drain NODE}: mark a node unschedulable and move its running work off it. */
@Command(name = "drain", description = "Mark a node unschedulable and move its running work off it.")
public final class DrainCommand implements Runnable {
  @ParentCommand DroverCli cli;

  @Parameters(index = "0", paramLabel = "NODE", description = "Node name.")
  String name;

  @Option(names = "--reason", paramLabel = "REASON", description = "Why, kept in the node's history.")
  String reason;

  @Override
  public void run() {
    NodeTransitions.print(cli, cli.client().drain(name, reason), "draining");
  }
}
