package dev.drover.protocol.agent;

/** HTTP headers of the agent link's WebSocket handshake, besides its bearer join token. */
public final class AgentLinkHeaders {
  /**
   * Optional: an id the agent process keeps across its reconnects, so its node's entity tells a
   * reconnect of the same agent (take over at once) from a second agent using the same name
   * (refuse). A header rather than a Hello field, which older coordinators would refuse.
   */
  public static final String INSTANCE = "X-Drover-Agent-Instance";

  private AgentLinkHeaders() {}
}
