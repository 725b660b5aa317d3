package dev.drover.protocol.spec;

import java.util.List;

/** A request body that cannot be accepted, with every field at fault. */
public final class InvalidSpecException extends Exception {
  private final List<FieldError> errors;

  public InvalidSpecException(List<FieldError> errors) {
    super(summary(errors));
    this.errors = List.copyOf(errors);
  }

  public InvalidSpecException(String pointer, String message) {
    this(List.of(new FieldError(pointer, message)));
  }

  public List<FieldError> errors() {
    return errors;
  }

  private static String summary(List<FieldError> errors) {
    if (errors.isEmpty()) return "invalid spec";
    StringBuilder b = new StringBuilder();
    for (FieldError e : errors) {
      if (b.length() > 0) b.append("; ");
      b.append(e);
    }
    return b.toString();
  }
}
