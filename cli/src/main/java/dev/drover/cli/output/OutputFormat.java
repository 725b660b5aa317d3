package dev.drover.cli.output;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.drover.protocol.Json;
import java.io.PrintWriter;

/** How a command prints its result: a table for people, or the API object as JSON or YAML for scripts. */
public enum OutputFormat {
  TABLE,
  JSON,
  YAML;

  /** Prints an API object in this format; only JSON and YAML print objects, a table is the command's own. */
  public void print(Object value, PrintWriter out) {
    ObjectMapper mapper =
        switch (this) {
          case JSON -> Json.mapper();
          case YAML -> Json.yaml();
          case TABLE -> throw new IllegalStateException("a table is printed by the command itself");
        };
    try {
      String text =
          this == JSON ? mapper.writerWithDefaultPrettyPrinter().writeValueAsString(value) : mapper.writeValueAsString(value);
      out.print(text);
      if (!text.endsWith("\n")) out.println();
      out.flush();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot print " + value.getClass().getSimpleName() + " as " + this, e);
    }
  }
}
