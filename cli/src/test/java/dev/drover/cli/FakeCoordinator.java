package dev.drover.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.drover.protocol.Json;
import dev.drover.protocol.api.Problem;
import dev.drover.protocol.spec.FieldError;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A scripted stand-in for the coordinator's HTTP API on a loopback port: answers what each test
 * scripts for "METHOD /path" and records every request it gets.
 */
final class FakeCoordinator implements AutoCloseable {
  /** One request as the server saw it; header names are lower case. */
  record Recorded(String method, String path, String query, Map<String, String> headers, byte[] body) {
    String header(String name) {
      return headers.get(name.toLowerCase(java.util.Locale.ROOT));
    }

    String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  @FunctionalInterface
  interface Responder {
    void respond(HttpExchange exchange) throws IOException;
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final Map<String, Responder> routes = new ConcurrentHashMap<>();
  final List<Recorded> requests = new CopyOnWriteArrayList<>();

  FakeCoordinator() throws IOException {
    this(null);
  }

  /** Over HTTPS with this server context when not null. */
  FakeCoordinator(javax.net.ssl.SSLContext tls) throws IOException {
    InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    if (tls != null) {
      com.sun.net.httpserver.HttpsServer https = com.sun.net.httpserver.HttpsServer.create(loopback, 0);
      https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls));
      server = https;
    } else {
      server = HttpServer.create(loopback, 0);
    }
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  URI url() {
    return URI.create((server instanceof com.sun.net.httpserver.HttpsServer ? "https" : "http") + "://127.0.0.1:"
        + server.getAddress().getPort());
  }

  FakeCoordinator on(String method, String path, Responder r) {
    routes.put(method + " " + path, r);
    return this;
  }

  FakeCoordinator onJson(String method, String path, int status, Object body) {
    return on(method, path, ex -> send(ex, status, "application/json", Json.write(body)));
  }

  FakeCoordinator onProblem(String method, String path, int status, String detail, FieldError... errors) {
    Problem p = Problem.of(status, "HTTP " + status, detail, List.of(errors));
    return on(method, path, ex -> send(ex, status, Problem.MEDIA_TYPE, Json.write(p)));
  }

  Recorded only() {
    if (requests.size() != 1) throw new AssertionError("expected one request, got " + requests);
    return requests.get(0);
  }

  static void send(HttpExchange ex, int status, String contentType, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", contentType);
    ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
    ex.close();
  }

  private void handle(HttpExchange ex) throws IOException {
    Map<String, String> headers = new TreeMap<>();
    ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), String.join(",", v)));
    byte[] body = ex.getRequestBody().readAllBytes();
    URI uri = ex.getRequestURI();
    requests.add(new Recorded(ex.getRequestMethod(), uri.getRawPath(), uri.getRawQuery(), headers, body));
    Responder r = routes.get(ex.getRequestMethod() + " " + uri.getRawPath());
    if (r == null) {
      send(ex, 404, Problem.MEDIA_TYPE, Json.write(Problem.of(404, "Not Found", "no route " + uri.getRawPath())));
      return;
    }
    r.respond(ex);
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
