package dev.drover.protocol.spec;

/** One problem with one field of a request, located by a JSON pointer (RFC 6901), e.g. {@code /resources/gpus}. */
public record FieldError(String pointer, String message) {
  @Override
  public String toString() {
    return (pointer == null || pointer.isEmpty() ? "(document)" : pointer) + ": " + message;
  }
}
