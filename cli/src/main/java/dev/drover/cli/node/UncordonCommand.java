package dev.drover.cli.node;

import dev.drover.cli.DroverCli;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code drover uncordon NODE}: make a cordoned or drained node schedulable again. */
@Command(name = "uncordon", description = "Make a cordoned or drained node schedulable again.")
public final class UncordonCommand implements Runnable {
  @ParentCommand DroverCli cli;

  @Parameters(index = "0", paramLabel = "NODE", description = "Node name.")
  String name;

  @Override
  public void run() {
    NodeTransitions.print(cli, cli.client().uncordon(name), "schedulable again");
  }
}
