package dev.drover.coordinator.api;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The operator web UI from the {@code drover-web-ui} jar: {@code /} is the page, {@code /ui/...} its ES
 * modules and styles (revalidated on every load, so an upgrade shows at once), {@code /webjars/...} preact
 * and uPlot (versioned paths, cached for a year). A missing file falls through to the API's problem+json 404.
 */
final class UiRoutes extends AllDirectives {
  static final String ROOT = "drover-ui";
  private static final String WEBJARS = "META-INF/resources/webjars";
  private static final Pattern IMPORT_MAP = Pattern.compile("<script type=\"importmap\">(.*?)</script>", Pattern.DOTALL);

  private final byte[] index;
  private final List<HttpHeader> pageHeaders;
  private final List<HttpHeader> revalidate = List.of(HttpHeader.parse("Cache-Control", "no-cache"),
      HttpHeader.parse("X-Content-Type-Options", "nosniff"));
  private final List<HttpHeader> immutable = List.of(HttpHeader.parse("Cache-Control", "public, max-age=31536000, immutable"),
      HttpHeader.parse("X-Content-Type-Options", "nosniff"));

  UiRoutes() {
    this.index = read(ROOT + "/index.html");
    String html = new String(index, StandardCharsets.UTF_8);
    Matcher m = IMPORT_MAP.matcher(html);
    if (!m.find()) throw new IllegalStateException(ROOT + "/index.html has no import map");
    // The import map is the page's only inline script: allowed by its hash, nothing else inline runs.
    String csp = "default-src 'self'; script-src 'self' 'sha256-" + sha256(m.group(1)) + "'; style-src 'self'; "
        + "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
    this.pageHeaders = List.of(HttpHeader.parse("Cache-Control", "no-cache"), HttpHeader.parse("Content-Security-Policy", csp),
        HttpHeader.parse("X-Content-Type-Options", "nosniff"), HttpHeader.parse("Referrer-Policy", "no-referrer"));
  }

  Route routes() {
    // Paths first, method second: a POST to /api/... must stay a 404, not become "use GET".
    return concat(
        pathSingleSlash(() -> get(() -> complete(HttpResponse.create().withHeaders(pageHeaders)
            .withEntity(HttpEntities.create(ContentTypes.TEXT_HTML_UTF8, index))))),
        pathPrefix("ui", () -> get(() -> respondWithHeaders(revalidate, () -> getFromResourceDirectory(ROOT)))),
        pathPrefix("webjars", () -> get(() -> respondWithHeaders(immutable, () -> getFromResourceDirectory(WEBJARS)))));
  }

  private static byte[] read(String resource) {
    try (InputStream in = UiRoutes.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) throw new IllegalStateException(resource + " is not on the classpath (the drover-web-ui jar)");
      return in.readAllBytes();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + resource, e);
    }
  }

  private static String sha256(String s) {
    try {
      return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
