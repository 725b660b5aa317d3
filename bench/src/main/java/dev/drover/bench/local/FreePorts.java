package dev.drover.bench.local;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Free loopback ports below the kernel's ephemeral range (32768+), as the integration tests pick
 * them: a process's own outgoing connections or any-port binds cannot take one between this check
 * and its use, and one JVM never hands out the same port twice.
 */
public final class FreePorts {
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();
    private static final Random RANDOM = new Random();

    private FreePorts() {}

    public static int next() throws IOException {
        for (int i = 0; i < 500; i++) {
            int port = 20000 + RANDOM.nextInt(12000);
            if (HANDED_OUT.contains(port)) {
                continue;
            }
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                if (HANDED_OUT.add(port)) {
                    return s.getLocalPort();
                }
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no free port between 20000 and 32000");
    }
}
