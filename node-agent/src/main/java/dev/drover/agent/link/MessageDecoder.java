package dev.drover.agent.link;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.drover.protocol.Json;
import dev.drover.protocol.agent.CoordinatorMessage;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns a text frame into a coordinator message; anything malformed is logged with why and dropped. */
public final class MessageDecoder {
  private static final Logger log = LoggerFactory.getLogger(MessageDecoder.class);
  private static final int SHOWN_CHARS = 200;

  private MessageDecoder() {}

  public static Optional<CoordinatorMessage> decode(String text) {
    try {
      CoordinatorMessage m = Json.mapper().readValue(text, CoordinatorMessage.class);
      if (m == null) {
        log.warn("Ignoring a null message from the coordinator");
      }
      return Optional.ofNullable(m);
    } catch (JsonProcessingException | RuntimeException e) {
      String why = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.toString();
      log.warn("Ignoring a malformed message from the coordinator ({}): {}", why, abbreviate(text));
      return Optional.empty();
    }
  }

  private static String abbreviate(String text) {
    if (text == null) {
      return "null";
    }
    return text.length() <= SHOWN_CHARS ? text : text.substring(0, SHOWN_CHARS) + "... (" + text.length() + " chars)";
  }
}
