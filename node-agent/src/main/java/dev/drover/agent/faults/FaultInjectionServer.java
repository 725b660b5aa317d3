package dev.drover.agent.faults;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.drover.agent.gpu.SimulatedBackend;
import dev.drover.agent.health.HealthMonitor;
import dev.drover.protocol.Json;
import dev.drover.protocol.api.Problem;
import dev.drover.protocol.spec.FieldError;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's test-only fault-injection endpoint (JDK HTTP server), for simulated GPUs only:
 *
 * <ul>
 *   <li>{@code POST /agent/v1/faults} with a {@link FaultRequest}: inject one fault
 *   <li>{@code DELETE /agent/v1/faults[?gpu=N]}: clear every fault, or those of one GPU (a simulated reset)
 *   <li>{@code GET /agent/v1/faults}: what is injected, the recent XIDs and the current health
 * </ul>
 *
 * Every answer is a {@link FaultState} taken after the request took effect. Requests need {@code
 * Authorization: Bearer <token>} (401 otherwise); bad input is a 400 {@code application/problem+json}
 * naming the field. The port goes to {@code <work-dir>/fault-injection.port}, a generated token to
 * {@code <work-dir>/fault-injection.token} (mode 0600).
 */
public final class FaultInjectionServer implements AutoCloseable {
  public static final String PATH = "/agent/v1/faults";
  public static final String PORT_FILE = "fault-injection.port";
  public static final String TOKEN_FILE = "fault-injection.token";
  private static final int MAX_BODY_BYTES = 64 * 1024;
  private static final Logger log = LoggerFactory.getLogger(FaultInjectionServer.class);

  private final HttpServer server;
  private final ExecutorService exec;
  private final SimulatedBackend backend;
  private final HealthMonitor monitor;
  private final byte[] tokenDigest;
  private final Path portFile;

  private FaultInjectionServer(HttpServer server, ExecutorService exec, SimulatedBackend backend, HealthMonitor monitor,
      String token, Path portFile) {
    this.server = server;
    this.exec = exec;
    this.backend = backend;
    this.monitor = monitor;
    this.tokenDigest = sha256("Bearer " + token);
    this.portFile = portFile;
  }

  /**
   * Binds, writes the port (and a generated token) to the work dir and serves.
   *
   * @throws IOException when the address cannot be bound or the files cannot be written
   */
  public static FaultInjectionServer start(FaultInjectionSettings settings, SimulatedBackend backend, HealthMonitor monitor,
      Path workDir) throws IOException {
    String token = settings.token();
    if (token == null) {
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
      writePrivate(workDir.resolve(TOKEN_FILE), token + "\n");
    }
    HttpServer http = HttpServer.create(settings.listen(), 16);
    ExecutorService exec = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "fault-injection");
      t.setDaemon(true);
      return t;
    });
    http.setExecutor(exec);
    FaultInjectionServer s = new FaultInjectionServer(http, exec, backend, monitor, token, workDir.resolve(PORT_FILE));
    http.createContext("/", s::handle);
    http.start();
    try {
      writePrivate(s.portFile, s.port() + "\n");
    } catch (IOException e) {
      s.close();
      throw e;
    }
    log.warn("Fault injection is ENABLED (test only) on {}:{}; port in {}", settings.listen().getHostString(), s.port(), s.portFile);
    return s;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      route(ex);
    }
  }

  private void route(HttpExchange ex) throws IOException {
    try {
      String path = ex.getRequestURI().getPath();
      if (!PATH.equals(path) && !(PATH + "/").equals(path)) {
        problem(ex, 404, "Not Found", "no such endpoint: " + path + " (fault injection lives at " + PATH + ")", List.of());
        return;
      }
      if (!authorized(ex)) {
        ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
        problem(ex, 401, "Unauthorized", "a valid 'Authorization: Bearer <token>' header is required", List.of());
        return;
      }
      switch (ex.getRequestMethod()) {
        case "GET" -> answer(ex);
        case "POST" -> post(ex);
        case "DELETE" -> delete(ex);
        default -> {
          ex.getResponseHeaders().set("Allow", "GET, POST, DELETE");
          problem(ex, 405, "Method Not Allowed", ex.getRequestMethod() + " is not allowed here (GET, POST, DELETE)", List.of());
        }
      }
    } catch (InvalidRequestException e) {
      problem(ex, 400, "Bad Request", e.getMessage(), e.errors());
    } catch (RuntimeException e) {
      log.error("Fault injection request failed", e);
      problem(ex, 500, "Internal Server Error", e.toString(), List.of());
    }
  }

  private boolean authorized(HttpExchange ex) {
    String header = ex.getRequestHeaders().getFirst("Authorization");
    // digests make the comparison constant-time whatever the lengths
    return header != null && MessageDigest.isEqual(tokenDigest, sha256(header.trim()));
  }

  private void post(HttpExchange ex) throws IOException {
    byte[] body;
    try (InputStream in = ex.getRequestBody()) {
      body = in.readNBytes(MAX_BODY_BYTES + 1);
    }
    if (body.length > MAX_BODY_BYTES) {
      problem(ex, 413, "Payload Too Large", "a fault request is at most " + MAX_BODY_BYTES + " bytes", List.of());
      return;
    }
    FaultRequest request = parse(body);
    FaultRequest.Valid v = request.validate(backend.inventory().gpus().size());
    backend.inject(v.gpu(), v.kind(), v.value());
    answer(ex);
  }

  private static FaultRequest parse(byte[] body) {
    if (body.length == 0) {
      throw new InvalidRequestException(List.of(new FieldError("", "a JSON body is required, e.g. {\"gpu\": 0, \"xid\": 79}")));
    }
    try {
      FaultRequest r = Json.mapper().readValue(body, FaultRequest.class);
      if (r == null) {
        throw new InvalidRequestException(List.of(new FieldError("", "expected a JSON object")));
      }
      return r;
    } catch (UnrecognizedPropertyException e) {
      throw new InvalidRequestException(List.of(new FieldError(pointer(e), "unknown field (known: gpu, fault, xid, count, value, node)")));
    } catch (JsonMappingException e) {
      throw new InvalidRequestException(List.of(new FieldError(pointer(e), e.getOriginalMessage())));
    } catch (IOException e) {
      throw new InvalidRequestException(List.of(new FieldError("", "not valid JSON: " + e.getMessage())));
    }
  }

  private static String pointer(JsonMappingException e) {
    StringBuilder p = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      p.append('/').append(r.getFieldName() != null ? r.getFieldName() : String.valueOf(r.getIndex()));
    }
    return p.toString();
  }

  private void delete(HttpExchange ex) throws IOException {
    Integer gpu = null;
    String query = ex.getRequestURI().getRawQuery();
    if (query != null && !query.isEmpty()) {
      for (String part : query.split("&")) {
        int eq = part.indexOf('=');
        String key = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
        String value = eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
        if (!key.equals("gpu")) {
          throw new InvalidRequestException(List.of(new FieldError(key, "unknown query parameter (known: gpu)")));
        }
        int count = backend.inventory().gpus().size();
        try {
          gpu = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
          throw new InvalidRequestException(List.of(new FieldError("gpu", "'" + value + "' is not a GPU index")));
        }
        if (gpu < 0 || gpu >= count) {
          throw new InvalidRequestException(List.of(new FieldError("gpu", "no GPU " + gpu + " on this node: it has " + count)));
        }
      }
    }
    backend.clear(gpu);
    answer(ex);
  }

  /** The state after everything the request caused has been evaluated. */
  private void answer(HttpExchange ex) throws IOException {
    var health = monitor.refresh().orTimeout(10, TimeUnit.SECONDS).join();
    send(ex, 200, "application/json", Json.write(new FaultState(backend.injected(), monitor.recentXids(), health)));
  }

  private static void problem(HttpExchange ex, int status, String title, String detail, List<FieldError> errors) throws IOException {
    send(ex, status, Problem.MEDIA_TYPE, Json.write(Problem.of(status, title, detail, errors)));
  }

  private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /** Writes a file only its owner can read, atomically (readers never see it half written). */
  static void writePrivate(Path file, String content) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    try {
      Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(tmp);
    } catch (FileAlreadyExistsException e) {
      throw new IOException("cannot create " + tmp + ": it appeared meanwhile", e);
    }
    Files.writeString(tmp, content, StandardCharsets.UTF_8);
    try {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Stops serving and removes the port file, so a client no longer finds this endpoint. */
  @Override
  public void close() {
    server.stop(0);
    exec.shutdownNow();
    try {
      Files.deleteIfExists(portFile);
    } catch (IOException e) {
      log.warn("Cannot remove {}: {}", portFile, e.toString());
    }
  }
}
