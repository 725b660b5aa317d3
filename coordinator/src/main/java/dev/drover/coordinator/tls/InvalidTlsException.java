package dev.drover.coordinator.tls;

/** The TLS configuration cannot work; the message is one line naming the flag or setting and the file. */
public final class InvalidTlsException extends IllegalArgumentException {
  public InvalidTlsException(String message) {
    super(message);
  }
}
