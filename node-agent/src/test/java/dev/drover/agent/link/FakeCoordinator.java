package dev.drover.agent.link;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny RFC 6455 server on a loopback port, standing in for the coordinator's agent endpoint:
 * accepts (or refuses with an HTTP status) the upgrade, exchanges text frames, optionally
 * fragmented, and answers pings like any WebSocket server, so the link is tested with the JDK
 * alone. A connection can be made {@linkplain Connection#silence() silent}, like a paused coordinator.
 */
final class FakeCoordinator implements AutoCloseable {
  private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

  private final ServerSocket server;
  private final boolean tls;
  /** Connections whose TLS handshake failed (the agent refused the certificate). */
  final AtomicInteger failedHandshakes = new AtomicInteger();
  private final Thread acceptor;
  final BlockingQueue<Connection> connections = new LinkedBlockingQueue<>();
  volatile int refuseWithStatus;

  /** One accepted agent connection. */
  static final class Connection {
    final Socket socket;
    final Map<String, String> headers;
    final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    final AtomicInteger pings = new AtomicInteger();
    /** Set once the agent's side of the connection is gone (closed, aborted or dropped). */
    volatile boolean ended;
    private volatile boolean silent;

    Connection(Socket socket, Map<String, String> headers) {
      this.socket = socket;
      this.headers = headers;
    }

    synchronized void send(String text, boolean fragmented) throws IOException {
      byte[] b = text.getBytes(StandardCharsets.UTF_8);
      OutputStream out = socket.getOutputStream();
      if (fragmented && b.length > 1) {
        int half = b.length / 2;
        frame(out, 0x1, false, b, 0, half);
        frame(out, 0x0, true, b, half, b.length - half);
      } else {
        frame(out, 0x1, true, b, 0, b.length);
      }
      out.flush();
    }

    /**
     * From now on answers nothing, not even pings, but keeps the TCP connection open, like a
     * coordinator process that was paused (SIGSTOP) or cut off by a partition.
     */
    void silence() {
      silent = true;
    }

    /** Drops the TCP connection without a close frame, like a crashed coordinator. */
    void drop() throws IOException {
      socket.close();
    }

    /** The next received message whose type is the given one, skipping others. */
    String await(String type, long seconds) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (System.nanoTime() < deadline) {
        String m = received.poll(100, TimeUnit.MILLISECONDS);
        if (m != null && m.contains("\"type\":\"" + type + "\"")) {
          return m;
        }
      }
      throw new AssertionError("no " + type + " message within " + seconds + " s");
    }

    private static void frame(OutputStream out, int opcode, boolean fin, byte[] b, int off, int len) throws IOException {
      out.write((fin ? 0x80 : 0) | opcode);
      if (len < 126) {
        out.write(len);
      } else if (len < 65536) {
        out.write(126);
        out.write(len >>> 8);
        out.write(len & 0xFF);
      } else {
        out.write(127);
        for (int i = 7; i >= 0; i--) {
          out.write((int) ((long) len >>> (8 * i)) & 0xFF);
        }
      }
      out.write(b, off, len);
    }
  }

  FakeCoordinator() throws IOException {
    this(null);
  }

  /** Over TLS (wss://) with this server context when not null; the handshake runs on the connection's first read. */
  FakeCoordinator(javax.net.ssl.SSLContext tls) throws IOException {
    this(tls, 0);
  }

  /** On this port (0: any free one), e.g. to come back on the port of a closed one with another certificate. */
  FakeCoordinator(javax.net.ssl.SSLContext tls, int port) throws IOException {
    this.tls = tls != null;
    server = tls != null
        ? tls.getServerSocketFactory().createServerSocket(port, 50, InetAddress.getLoopbackAddress())
        : new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
    acceptor = new Thread(this::acceptLoop, "fake-coordinator");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return server.getLocalPort();
  }

  String url() {
    return (tls ? "wss" : "ws") + "://127.0.0.1:" + server.getLocalPort();
  }

  /** A loopback URL on which nothing listens (connections are refused). */
  static String closedPortUrl() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return "ws://127.0.0.1:" + s.getLocalPort();
    }
  }

  Connection awaitConnection(long seconds) throws InterruptedException {
    Connection c = connections.poll(seconds, TimeUnit.SECONDS);
    if (c == null) {
      throw new AssertionError("the agent did not connect within " + seconds + " s");
    }
    return c;
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        Thread t = new Thread(() -> serve(s), "fake-coordinator-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      InputStream in = s.getInputStream();
      Map<String, String> headers = readHeaders(in);
      OutputStream out = s.getOutputStream();
      int refuse = refuseWithStatus;
      if (refuse != 0) {
        out.write(("HTTP/1.1 " + refuse + " Refused\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return;
      }
      String accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
          .digest((headers.get("sec-websocket-key") + GUID).getBytes(StandardCharsets.US_ASCII)));
      out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
          + accept + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      Connection c = new Connection(s, headers);
      connections.add(c);
      try {
        readFrames(c, new DataInputStream(in));
      } finally {
        c.ended = true;
      }
    } catch (javax.net.ssl.SSLException e) {
      failedHandshakes.incrementAndGet();
    } catch (Exception e) {
      // the connection ended: the test sees it through the agent's behaviour
    }
  }

  private static Map<String, String> readHeaders(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int prev3 = 0;
    int c;
    while ((c = in.read()) >= 0) {
      head.write(c);
      prev3 = (prev3 << 8 | c) & 0xFFFFFFFF;
      if (prev3 == 0x0D0A0D0A) {
        break;
      }
    }
    Map<String, String> headers = new HashMap<>();
    for (String line : head.toString(StandardCharsets.US_ASCII).split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        headers.put(line.substring(0, colon).trim().toLowerCase(), line.substring(colon + 1).trim());
      }
    }
    return headers;
  }

  private static void readFrames(Connection c, DataInputStream in) throws IOException {
    ByteArrayOutputStream message = new ByteArrayOutputStream();
    while (true) {
      int b0 = in.readUnsignedByte();
      int b1 = in.readUnsignedByte();
      boolean fin = (b0 & 0x80) != 0;
      int opcode = b0 & 0x0F;
      long len = b1 & 0x7F;
      if (len == 126) {
        len = in.readUnsignedShort();
      } else if (len == 127) {
        len = in.readLong();
      }
      byte[] mask = new byte[4];
      if ((b1 & 0x80) != 0) {
        in.readFully(mask);
      }
      byte[] payload = new byte[(int) len];
      in.readFully(payload);
      for (int i = 0; i < payload.length; i++) {
        payload[i] ^= mask[i % 4];
      }
      if (opcode == 0x9) {
        c.pings.incrementAndGet();
        if (!c.silent) {
          synchronized (c) {
            OutputStream out = c.socket.getOutputStream();
            Connection.frame(out, 0xA, true, payload, 0, payload.length);
            out.flush();
          }
        }
        continue;
      }
      if (c.silent) {
        // a paused process reads nothing; the kernel still takes the bytes
        continue;
      }
      if (opcode == 0x8) {
        synchronized (c) {
          OutputStream out = c.socket.getOutputStream();
          out.write(0x88);
          out.write(0);
          out.flush();
        }
        return;
      }
      if (opcode == 0x1 || opcode == 0x0) {
        message.write(payload);
        if (fin) {
          c.received.add(message.toString(StandardCharsets.UTF_8));
          message.reset();
        }
      }
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Connection c : connections) {
      c.socket.close();
    }
  }
}
