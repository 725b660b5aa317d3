package dev.drover.agent;

import picocli.CommandLine;

/** Lets tests in other packages run the agent's command line as main does. */
public final class AgentMainAccess {
  private AgentMainAccess() {}

  public static CommandLine commandLine() {
    return AgentMain.commandLine();
  }
}
