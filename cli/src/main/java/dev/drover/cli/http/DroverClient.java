package dev.drover.cli.http;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.drover.protocol.Json;
import dev.drover.protocol.ProtocolVersion;
import dev.drover.protocol.api.CordonRequest;
import dev.drover.protocol.api.QueueList;
import dev.drover.protocol.api.QueueRequest;
import dev.drover.protocol.api.QueueView;
import dev.drover.protocol.api.JobEvents;
import dev.drover.protocol.api.JobPage;
import dev.drover.protocol.api.JobView;
import dev.drover.protocol.api.NodeList;
import dev.drover.protocol.api.NodeGpus;
import dev.drover.protocol.api.NodeView;
import dev.drover.protocol.api.Problem;
import dev.drover.protocol.tls.TlsTrust;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.Writer;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/** A client of Drover's public HTTP API: one method per call, the wire types from {@code protocol}. */
public final class DroverClient {
  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
  private static final String API = "/api/" + ProtocolVersion.API;

  /**
   * Answers are read leniently, unlike requests: a newer server may add fields, and an older CLI
   * should still show what it knows rather than fail.
   */
  private static final ObjectMapper READER =
      Json.mapper().copy().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final URI server;
  private final String token;
  private final HttpClient http;
  private final TlsTrust trust;

  /** A client trusting the JVM's trust store for https://. */
  public DroverClient(URI server, String token) {
    this(server, token, TlsTrust.jvmDefault());
  }

  /** A client verifying an https:// server against {@code trust} (host name included). */
  public DroverClient(URI server, String token, TlsTrust trust) {
    this(
        server,
        token,
        HttpClient.newBuilder()
            // HTTP/1.1: a cleartext HTTP/2 upgrade attempt buys nothing for a CLI and some proxies reject it.
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(CONNECT_TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            .sslContext(trust.sslContext())
            .build(),
        trust);
  }

  public DroverClient(URI server, String token, HttpClient http, TlsTrust trust) {
    this.server = server;
    this.token = token;
    this.http = http;
    this.trust = trust;
  }

  public URI server() {
    return server;
  }

  /** {@code POST /jobs}: the spec's bytes exactly as written, so the server reports errors against what the user wrote. */
  public Submission submit(byte[] spec, String contentType, String idempotencyKey) {
    HttpRequest.Builder b =
        request(API + "/jobs", Map.of())
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofByteArray(spec));
    if (idempotencyKey != null && !idempotencyKey.isBlank()) b.header("Idempotency-Key", idempotencyKey);
    HttpResponse<byte[]> r = send(b.build());
    return new Submission(decode(r, JobView.class), r.statusCode() == 201);
  }

  public JobPage jobs(JobQuery q) {
    Map<String, String> params = new LinkedHashMap<>();
    if (q.state() != null) params.put("state", q.state());
    if (q.queue() != null) params.put("queue", q.queue());
    if (q.limit() != null) params.put("limit", q.limit().toString());
    if (q.cursor() != null) params.put("cursor", q.cursor());
    return get(API + "/jobs", params, JobPage.class);
  }

  public JobView job(String id) {
    return get(API + "/jobs/" + segment(id), Map.of(), JobView.class);
  }

  public JobEvents events(String id) {
    return get(API + "/jobs/" + segment(id) + "/events", Map.of(), JobEvents.class);
  }

  /** {@code DELETE /jobs/{id}}: asks for the job to be cancelled; the answer shows it cancelling. */
  public JobView cancel(String id) {
    return decode(send(request(API + "/jobs/" + segment(id), Map.of()).DELETE().build()), JobView.class);
  }

  /**
   * Copies a replica's log to {@code sink} as it arrives, flushing after every read so a follower
   * sees lines as soon as the server sends them. With {@code follow} there is no request timeout:
   * the stream lasts as long as the replica.
   */
  public void logs(String id, int replica, boolean follow, Long tailBytes, Writer sink) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("replica", Integer.toString(replica));
    params.put("follow", Boolean.toString(follow));
    if (tailBytes != null) params.put("tail", tailBytes.toString());
    HttpRequest.Builder b = request(API + "/jobs/" + segment(id) + "/logs", params).GET();
    if (follow) b.timeout(Duration.ofDays(365));
    HttpResponse<InputStream> r = exchange(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream in = r.body()) {
      if (r.statusCode() / 100 != 2) {
        throw new ApiException(problem(r.statusCode(), in.readAllBytes()));
      }
      Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8);
      char[] buf = new char[8192];
      int n;
      while ((n = reader.read(buf)) >= 0) {
        sink.write(buf, 0, n);
        sink.flush();
      }
    } catch (IOException e) {
      throw new TransportException("the log stream from " + server + " broke off: " + reason(e), e);
    }
  }

  public NodeList nodes() {
    return get(API + "/nodes", Map.of(), NodeList.class);
  }

  public NodeView node(String name) {
    return get(API + "/nodes/" + segment(name), Map.of(), NodeView.class);
  }

  /** A node's GPUs in depth: health with reasons and history, telemetry, topology. */
  public NodeGpus nodeGpus(String name) {
    return get(API + "/nodes/" + segment(name) + "/gpus", Map.of(), NodeGpus.class);
  }

  public NodeView cordon(String name, String reason) {
    return nodeTransition(name, "cordon", reason);
  }

  public NodeView uncordon(String name) {
    return nodeTransition(name, "uncordon", null);
  }

  public NodeView drain(String name, String reason) {
    return nodeTransition(name, "drain", reason);
  }

  private NodeView nodeTransition(String name, String verb, String reason) {
    HttpRequest.Builder b = request(API + "/nodes/" + segment(name) + "/" + verb, Map.of());
    if (reason == null) {
      b.POST(HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(Json.write(new CordonRequest(reason)), StandardCharsets.UTF_8));
    }
    return decode(send(b.build()), NodeView.class);
  }

  public QueueList queues() {
    return get(API + "/queues", Map.of(), QueueList.class);
  }

  public QueueView queue(String name) {
    return get(API + "/queues/" + segment(name), Map.of(), QueueView.class);
  }

  public QueueView createQueue(QueueRequest q) {
    HttpRequest.Builder b = request(API + "/queues", Map.of()).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(Json.write(q), StandardCharsets.UTF_8));
    return decode(send(b.build()), QueueView.class);
  }

  public QueueView updateQueue(String name, QueueRequest q) {
    HttpRequest.Builder b = request(API + "/queues/" + segment(name), Map.of()).header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(Json.write(q), StandardCharsets.UTF_8));
    return decode(send(b.build()), QueueView.class);
  }

  public void deleteQueue(String name) {
    decode(send(request(API + "/queues/" + segment(name), Map.of()).DELETE().build()), Map.class);
  }

  private <T> T get(String path, Map<String, String> params, Class<T> type) {
    return decode(send(request(path, params).GET().build()), type);
  }

  private HttpRequest.Builder request(String path, Map<String, String> params) {
    StringBuilder uri = new StringBuilder(server.toString()).append(path);
    if (!params.isEmpty()) {
      StringJoiner q = new StringJoiner("&", "?", "");
      params.forEach((k, v) -> q.add(k + "=" + java.net.URLEncoder.encode(v, StandardCharsets.UTF_8)));
      uri.append(q);
    }
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(uri.toString()))
            .timeout(REQUEST_TIMEOUT)
            .header("Accept", "application/json")
            .header("User-Agent", "drover-cli/" + ProtocolVersion.BUILD);
    if (token != null) b.header("Authorization", "Bearer " + token);
    return b;
  }

  private HttpResponse<byte[]> send(HttpRequest request) {
    return exchange(request, HttpResponse.BodyHandlers.ofByteArray());
  }

  private <B> HttpResponse<B> exchange(HttpRequest request, HttpResponse.BodyHandler<B> handler) {
    try {
      return http.send(request, handler);
    } catch (HttpConnectTimeoutException e) {
      throw new ServerUnreachableException(server, "no connection within " + CONNECT_TIMEOUT.toSeconds() + "s");
    } catch (HttpTimeoutException e) {
      throw new TransportException(
          "the Drover server at " + server + " did not answer within " + REQUEST_TIMEOUT.toSeconds() + "s", e);
    } catch (ConnectException e) {
      throw new ServerUnreachableException(server, unreachableReason(e));
    } catch (IOException e) {
      if (hasCause(e, UnresolvedAddressException.class) || hasCause(e, UnknownHostException.class)) {
        throw new ServerUnreachableException(server, "unknown host '" + server.getHost() + "'");
      }
      var tls = trust.explain(e, "the server's certificate", "the Drover server at " + server);
      if (tls.isPresent()) throw new TransportException(tls.get(), e);
      // a TLS server drops a cleartext request without a byte of answer
      String hint = "http".equalsIgnoreCase(server.getScheme()) && reason(e).contains("received no bytes")
          ? " (does the server take HTTPS only? then use https:// and --ca-cert)" : "";
      throw new TransportException("lost the connection to the Drover server at " + server + ": " + reason(e) + hint, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransportException("interrupted while talking to " + server, e);
    }
  }

  private <T> T decode(HttpResponse<byte[]> r, Class<T> type) {
    if (r.statusCode() / 100 != 2) throw new ApiException(problem(r.statusCode(), r.body()));
    try {
      return READER.readValue(r.body(), type);
    } catch (IOException e) {
      throw new TransportException(
          "unexpected answer from " + r.request().method() + " " + r.uri().getPath() + ": not a " + type.getSimpleName()
              + " (" + firstLine(e.getMessage()) + ")",
          e);
    }
  }

  /** The problem the server sent, or one made from the status when the body is not a problem (e.g. a proxy's page). */
  static Problem problem(int status, byte[] body) {
    if (body != null && body.length > 0) {
      try {
        Problem p = READER.readValue(body, Problem.class);
        if (p != null) {
          return new Problem(
              p.type(), p.title(), p.status() == 0 ? status : p.status(), p.detail(), p.instance(),
              p.errors() == null ? java.util.List.of() : p.errors());
        }
      } catch (IOException e) {
        // Not a problem document; fall back to the text below.
      }
    }
    String text = body == null ? "" : new String(body, StandardCharsets.UTF_8).strip();
    int nl = text.indexOf('\n');
    if (nl >= 0) text = text.substring(0, nl);
    if (text.length() > 200) text = text.substring(0, 197) + "...";
    String detail = "the server answered HTTP " + status + (text.isEmpty() ? "" : ": " + text);
    return Problem.of(status, "HTTP " + status, detail);
  }

  /** Percent-encodes one path segment, so an id can never reach another route. */
  static String segment(String value) {
    StringBuilder b = new StringBuilder();
    for (byte c : value.getBytes(StandardCharsets.UTF_8)) {
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
        b.append((char) c);
      } else {
        b.append('%').append(String.format("%02X", c & 0xff));
      }
    }
    return b.toString();
  }

  private static String unreachableReason(ConnectException e) {
    String m = e.getMessage();
    if (m == null || m.isBlank() || m.toLowerCase(java.util.Locale.ROOT).contains("refused")) return "connection refused";
    return m;
  }

  private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
    for (Throwable c = t; c != null; c = c.getCause()) if (type.isInstance(c)) return true;
    return false;
  }

  private static String firstLine(String s) {
    if (s == null) return "";
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  private static String reason(IOException e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
