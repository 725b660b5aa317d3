package dev.drover.agent;

/** The agent was asked for fault injection on real GPUs; it refuses to start. */
public final class FaultInjectionRefusedException extends RuntimeException {
  public FaultInjectionRefusedException(String message) {
    super(message);
  }
}
