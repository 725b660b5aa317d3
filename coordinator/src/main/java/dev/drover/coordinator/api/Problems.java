package dev.drover.coordinator.api;

import dev.drover.protocol.Json;
import dev.drover.protocol.api.Problem;
import dev.drover.protocol.spec.FieldError;
import java.util.List;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;

/** HTTP answers: JSON bodies and {@code application/problem+json} errors naming the field at fault. */
public final class Problems {
  public static final ContentType.WithFixedCharset PROBLEM_JSON =
      MediaTypes.applicationWithFixedCharset("problem+json", HttpCharsets.UTF_8).toContentType();

  private Problems() {}

  public static HttpResponse json(StatusCode status, Object body) {
    return HttpResponse.create().withStatus(status).withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, Json.write(body)));
  }

  public static HttpResponse problem(StatusCode status, String detail) {
    return problem(status, detail, List.of());
  }

  public static HttpResponse problem(StatusCode status, String detail, List<FieldError> errors) {
    Problem p = Problem.of(status.intValue(), title(status), detail, errors);
    return HttpResponse.create().withStatus(status).withEntity(HttpEntities.create(PROBLEM_JSON, Json.write(p)));
  }

  public static HttpResponse field(StatusCode status, String pointer, String message) {
    return problem(status, pointer + ": " + message, List.of(new FieldError(pointer, message)));
  }

  private static String title(StatusCode s) {
    if (s.equals(StatusCodes.BAD_REQUEST)) return "Bad Request";
    if (s.equals(StatusCodes.UNAUTHORIZED)) return "Unauthorized";
    if (s.equals(StatusCodes.FORBIDDEN)) return "Forbidden";
    if (s.equals(StatusCodes.NOT_FOUND)) return "Not Found";
    if (s.equals(StatusCodes.METHOD_NOT_ALLOWED)) return "Method Not Allowed";
    if (s.equals(StatusCodes.CONFLICT)) return "Conflict";
    if (s.equals(StatusCodes.PAYLOAD_TOO_LARGE)) return "Payload Too Large";
    if (s.equals(StatusCodes.UNSUPPORTED_MEDIA_TYPE)) return "Unsupported Media Type";
    if (s.equals(StatusCodes.UNPROCESSABLE_CONTENT)) return "Unprocessable Content";
    if (s.equals(StatusCodes.SERVICE_UNAVAILABLE)) return "Service Unavailable";
    return s.reason();
  }
}
