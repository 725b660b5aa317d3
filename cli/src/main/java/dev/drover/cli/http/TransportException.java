package dev.drover.cli.http;

/** The exchange with the server failed after connecting: a timeout, a dropped connection, an unreadable answer. */
public final class TransportException extends RuntimeException {
  public TransportException(String message, Throwable cause) {
    super(message, cause);
  }
}
