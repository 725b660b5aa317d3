package dev.drover.agent.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drover.protocol.agent.CoordinatorMessage;
import org.junit.jupiter.api.Test;

class MessageDecoderTest {
  @Test
  void decodesKnownMessages() {
    assertEquals(new CoordinatorMessage.Welcome(1, "n1", 1000, 5000),
        MessageDecoder.decode("{\"type\":\"welcome\",\"protocolVersion\":1,\"nodeName\":\"n1\",\"heartbeatIntervalMillis\":1000,\"telemetryIntervalMillis\":5000}").orElseThrow());
    assertEquals(new CoordinatorMessage.LogRequest("q", "a1", -1, 4096),
        MessageDecoder.decode("{\"type\":\"log-request\",\"requestId\":\"q\",\"allocationId\":\"a1\",\"offset\":-1,\"maxBytes\":4096}").orElseThrow());
  }

  @Test
  void malformedMessagesAreDropped() {
    for (String bad : new String[] {
        "not json", "", "null", "[]", "{\"type\":\"no-such-type\"}", "{\"generation\":1}",
        "{\"type\":\"desired\",\"generation\":\"x\",\"replicas\":[]}",
        "{\"type\":\"welcome\",\"protocolVersion\":1,\"bogus\":true}",
        "{\"type\":\"reject\",\"reason\":\"x\"} trailing"}) {
      assertFalse(MessageDecoder.decode(bad).isPresent(), bad);
    }
  }

  @Test
  void endpointsAreNormalized() {
    assertEquals("[ws://c1:8080/agent/v1/stream, wss://c2/agent/v1/stream, ws://c3:9/agent/v1/stream, wss://c4/prefix/agent/v1/stream, ws://c5:1/custom]",
        CoordinatorEndpoints.parse("http://c1:8080, https://c2/,c3:9,https://c4/prefix/,ws://c5:1/custom").toString());
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> CoordinatorEndpoints.parse("ftp://x"));
    assertTrue(e.getMessage().contains("scheme"), e.getMessage());
  }

  @Test
  void permanentRejectionsAreRecognized() {
    assertTrue(CoordinatorLink.isFatal("unsupported agent protocol version 2"));
    assertTrue(CoordinatorLink.isFatal("invalid join token"));
    assertFalse(CoordinatorLink.isFatal("node name gpu-1 is already connected"));
  }
}
