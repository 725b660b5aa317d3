package dev.drover.agent.host;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Optional;

/** What the agent reads about its host: name, an address peers can reach, memory. */
public final class HostFacts {
  private HostFacts() {}

  /** The host name as the kernel knows it, or "localhost" when it cannot be read. */
  public static String hostname() {
    try {
      String s = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
      if (!s.isEmpty()) {
        return s;
      }
    } catch (IOException ignored) {
      // not Linux: ask the resolver instead
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "localhost";
    }
  }

  /** The first up, non-loopback IPv4 address, or 127.0.0.1 on a machine without one. */
  public static String defaultAddress() {
    try {
      for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!nif.isUp() || nif.isLoopback()) {
          continue;
        }
        for (InetAddress a : Collections.list(nif.getInetAddresses())) {
          if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
            return a.getHostAddress();
          }
        }
      }
    } catch (SocketException ignored) {
      // no interfaces readable: fall through to loopback
    }
    return "127.0.0.1";
  }

  /** MemTotal from /proc/meminfo in bytes, or the JVM's view when that file is missing. */
  public static long memoryBytes() {
    return readMemTotal(Path.of("/proc/meminfo")).orElseGet(() -> Runtime.getRuntime().maxMemory());
  }

  static Optional<Long> readMemTotal(Path meminfo) {
    try {
      for (String line : Files.readAllLines(meminfo)) {
        if (line.startsWith("MemTotal:")) {
          String[] f = line.substring("MemTotal:".length()).trim().split("\\s+");
          return Optional.of(Long.parseLong(f[0]) * 1024);
        }
      }
    } catch (IOException | RuntimeException ignored) {
      // fall back to the caller's default
    }
    return Optional.empty();
  }
}
