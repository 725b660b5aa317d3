package dev.drover.cli.http;

import java.net.URI;

/** No connection to the server could be made at all, as opposed to the server answering with an error. */
public final class ServerUnreachableException extends RuntimeException {
  public ServerUnreachableException(URI server, String reason) {
    super("cannot reach the Drover server at " + server + ": " + reason + "; is 'drover up' running?");
  }
}
