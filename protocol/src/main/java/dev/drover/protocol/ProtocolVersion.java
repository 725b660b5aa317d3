package dev.drover.protocol;

/** Versions of the wire contracts: the agent link protocol and the public HTTP API. */
public final class ProtocolVersion {
  /** Bumped on any incompatible change of the agent <-> coordinator messages. */
  public static final int AGENT_PROTOCOL = 1;
  /** Path segment of the public HTTP API. */
  public static final String API = "v1";
  /**
   * Version of this build, reported by agents, the coordinator and the CLI: the {@code drover.version}
   * system property, which the distribution's launchers set from its VERSION file (so the version an
   * upgrade installed is the one each process reports), else the source tree's version.
   */
  public static final String BUILD = System.getProperty("drover.version", "0.1.0");

  private ProtocolVersion() {}
}
