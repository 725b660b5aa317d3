package dev.drover.agent.health;

import dev.drover.protocol.spec.FieldError;
import java.util.List;
import java.util.stream.Collectors;

/** A health policy file that cannot be used; the message names the file and every field at fault. */
public final class InvalidHealthPolicyException extends RuntimeException {
  private final List<FieldError> errors;

  public InvalidHealthPolicyException(String file, List<FieldError> errors) {
    super("invalid health policy " + file + ": " + errors.stream().map(FieldError::toString).collect(Collectors.joining("; ")));
    this.errors = List.copyOf(errors);
  }

  public List<FieldError> errors() {
    return errors;
  }
}
