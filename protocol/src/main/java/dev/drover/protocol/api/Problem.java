package dev.drover.protocol.api;

import dev.drover.protocol.spec.FieldError;
import java.util.List;

/**
 * An HTTP error body, {@code application/problem+json} (RFC 9457), with the fields at fault.
 *
 * @param errors one entry per field at fault, located by JSON pointer; may be empty
 */
public record Problem(String type, String title, int status, String detail, String instance, List<FieldError> errors) {
  public static final String MEDIA_TYPE = "application/problem+json";

  public static Problem of(int status, String title, String detail) {
    return new Problem("about:blank", title, status, detail, null, List.of());
  }

  public static Problem of(int status, String title, String detail, List<FieldError> errors) {
    return new Problem("about:blank", title, status, detail, null, List.copyOf(errors));
  }
}
