package dev.drover.agent.process;

/** A replica could not be started; the message is meant for the person who submitted the job. */
public final class StartFailedException extends Exception {
  public StartFailedException(String message) {
    super(message);
  }
}
