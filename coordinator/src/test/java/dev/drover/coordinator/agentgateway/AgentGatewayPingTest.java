package dev.drover.coordinator.agentgateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.server.Directives;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The agent link answers WebSocket pings from the JDK client the agent uses: agents tell a live
 * coordinator from a silent (paused, partitioned) one by those answers, so this holds for every
 * coordinator version and needs no agent protocol message.
 */
class AgentGatewayPingTest {
  private static final ActorTestKit testKit =
      ActorTestKit.create(ConfigFactory.parseString("pekko.actor.provider = local").withFallback(ConfigFactory.load()).resolve());
  private static ServerBinding binding;

  @BeforeAll
  static void bind() throws Exception {
    AgentGateway gateway = new AgentGateway(testKit.system());
    binding = Http.get(testKit.system()).newServerAt("127.0.0.1", 0)
        .bind(Directives.path("stream", () -> Directives.handleWebSocketMessages(gateway.link("test"))))
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  /** Collects pongs and texts as the agent's listener would. */
  private static final class Recorder implements WebSocket.Listener {
    final BlockingQueue<String> pongs = new LinkedBlockingQueue<>();
    final BlockingQueue<String> texts = new LinkedBlockingQueue<>();

    @Override
    public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message) {
      pongs.add(StandardCharsets.UTF_8.decode(message).toString());
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      texts.add(data.toString());
      ws.request(1);
      return null;
    }
  }

  @Test
  void pingsAreAnsweredBeforeTheHelloAndDoNotCountAsIt() throws Exception {
    Recorder recorder = new Recorder();
    int port = binding.localAddress().getPort();
    WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
        .buildAsync(URI.create("ws://127.0.0.1:" + port + "/stream"), recorder)
        .get(10, TimeUnit.SECONDS);
    try {
      for (int i = 0; i < 3; i++) {
        ws.sendPing(ByteBuffer.wrap(("p" + i).getBytes(StandardCharsets.UTF_8))).get(5, TimeUnit.SECONDS);
        assertEquals("p" + i, recorder.pongs.poll(5, TimeUnit.SECONDS), "pong " + i);
      }
      // The pings were not taken as the agent's first message: the first text still has to be a Hello.
      ws.sendText("{\"type\":\"heartbeat\",\"seq\":1,\"sentAt\":\"2024-01-01T00:00:00Z\"}", true).get(5, TimeUnit.SECONDS);
      String reject = recorder.texts.poll(5, TimeUnit.SECONDS);
      assertNotNull(reject, "no Reject for a first message that is not a Hello");
      assertTrue(reject.contains("\"type\":\"reject\"") && reject.contains("must be hello"), reject);
    } finally {
      ws.abort();
    }
  }
}
