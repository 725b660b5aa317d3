package dev.drover.bench.local;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What a benchmark started, stopped in reverse order exactly once: by the benchmark when it ends,
 * or by the JVM's shutdown hook when it is interrupted (Ctrl-C runs no finally block).
 */
public final class Teardown implements AutoCloseable {
    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private final Thread hook = new Thread(this::closeAll, "bench-teardown");

    public Teardown() {
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Registers {@code resource} to be closed (before those registered earlier) and returns it. */
    public synchronized <T extends AutoCloseable> T add(T resource) {
        started.push(resource);
        return resource;
    }

    /** Closes {@code resource} now, if it is still registered. */
    public void closeNow(AutoCloseable resource) {
        synchronized (this) {
            if (!started.remove(resource)) {
                return;
            }
        }
        closeQuietly(resource);
    }

    private void closeAll() {
        while (true) {
            AutoCloseable next;
            synchronized (this) {
                next = started.poll();
            }
            if (next == null) {
                return;
            }
            closeQuietly(next);
        }
    }

    private static void closeQuietly(AutoCloseable resource) {
        try {
            resource.close();
        } catch (Exception e) {
            System.err.println("drover bench: stopping " + resource + " failed: " + e);
        }
    }

    @Override
    public void close() {
        closeAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or ran
        }
    }
}
