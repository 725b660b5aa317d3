package dev.drover.agent.gpu;

/** An NVML call failed or the library could not be loaded; the message says which and why. */
public final class NvmlException extends RuntimeException {
  private final int code;

  public NvmlException(String message, int code) {
    super(message);
    this.code = code;
  }

  public NvmlException(String message, Throwable cause) {
    super(message, cause);
    this.code = -1;
  }

  /** The nvmlReturn_t code, or -1 when the failure was not an NVML return code. */
  public int code() {
    return code;
  }
}
