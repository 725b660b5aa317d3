package dev.drover.agent.faults;

import dev.drover.protocol.spec.FieldError;
import java.util.List;
import java.util.stream.Collectors;

/** A fault-injection request that cannot be applied; answered 400 with each field at fault. */
public final class InvalidRequestException extends RuntimeException {
  private final List<FieldError> errors;

  public InvalidRequestException(List<FieldError> errors) {
    super(errors.stream().map(FieldError::toString).collect(Collectors.joining("; ")));
    this.errors = List.copyOf(errors);
  }

  /** Returns the value when there are no errors, else throws. */
  static <T> T unless(List<FieldError> errors, T value) {
    if (!errors.isEmpty()) {
      throw new InvalidRequestException(errors);
    }
    return value;
  }

  public List<FieldError> errors() {
    return errors;
  }
}
