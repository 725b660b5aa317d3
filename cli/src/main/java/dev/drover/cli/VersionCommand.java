package dev.drover.cli;

import dev.drover.cli.output.OutputFormat;
import dev.drover.protocol.ProtocolVersion;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code drover version}: this client's build and the API version it speaks; needs no server. */
@Command(name = "version", description = "Print the client version and the API version it speaks.")
public final class VersionCommand implements Runnable {
  @ParentCommand DroverCli cli;

  @Override
  public void run() {
    if (cli.output() == OutputFormat.TABLE) {
      cli.out().println("drover " + ProtocolVersion.BUILD + " (HTTP API " + ProtocolVersion.API + ")");
      cli.out().flush();
    } else {
      Map<String, Object> v = new LinkedHashMap<>();
      v.put("version", ProtocolVersion.BUILD);
      v.put("api", ProtocolVersion.API);
      v.put("agentProtocol", ProtocolVersion.AGENT_PROTOCOL);
      cli.output().print(v, cli.out());
    }
  }
}
