package dev.drover.bench.fleet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Reads a local JVM from outside: its CPU time from {@code /proc/<pid>/stat} and its heap from
 * {@code jstat -gc} (the JVM's own perf counters, no attach, no safepoint), so sampling costs the
 * measured process nothing.
 */
final class JvmSampler {
    private static final String JSTAT = Path.of(System.getProperty("java.home"), "bin", "jstat").toString();

    /** One reading: CPU seconds used since start, heap used and old generation used, in bytes. */
    record Reading(long nanoTime, double cpuSeconds, long heapUsedBytes, long oldUsedBytes) {}

    /** One interval between two readings: CPU in percent of one core, heap at its end. */
    record Sample(double atSeconds, double cpuPercent, long heapUsedBytes, long oldUsedBytes) {}

    private final long pid;
    private final long ticksPerSecond;

    JvmSampler(long pid) {
        this.pid = pid;
        this.ticksPerSecond = clockTicks();
    }

    Reading read() throws IOException, InterruptedException {
        long now = System.nanoTime();
        double cpu = cpuSeconds();
        long[] heap = heap();
        return new Reading(now, cpu, heap[0], heap[1]);
    }

    static Sample between(Reading start, Reading a, Reading b) {
        double wall = (b.nanoTime() - a.nanoTime()) / 1e9;
        return new Sample((b.nanoTime() - start.nanoTime()) / 1e9, 100 * (b.cpuSeconds() - a.cpuSeconds()) / wall, b.heapUsedBytes(),
                b.oldUsedBytes());
    }

    /** utime + stime of the process: fields 14 and 15 of its stat line, counted after the command name's closing parenthesis. */
    double cpuSeconds() throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        // f[0] is field 3 (state), so field n is f[n - 3]
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) ticksPerSecond;
    }

    /** {heap used, old generation used} in bytes from {@code jstat -gc}: S0U + S1U + EU + OU, and OU. */
    long[] heap() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(JSTAT, "-gc", Long.toString(pid)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("jstat -gc " + pid + " failed: " + out.trim());
        }
        return parseJstat(out);
    }

    static long[] parseJstat(String out) throws IOException {
        List<String> lines = out.lines().filter(l -> !l.isBlank()).toList();
        if (lines.size() < 2) {
            throw new IOException("unexpected jstat output: " + out.trim());
        }
        List<String> names = List.of(lines.get(0).trim().split("\\s+"));
        String[] values = lines.get(1).trim().split("\\s+");
        double kib = 0;
        for (String col : List.of("S0U", "S1U", "EU", "OU")) {
            int i = names.indexOf(col);
            if (i < 0) {
                throw new IOException("jstat has no column " + col + ": " + lines.get(0));
            }
            kib += Double.parseDouble(values[i]);
        }
        double old = Double.parseDouble(values[names.indexOf("OU")]);
        return new long[] {(long) (kib * 1024), (long) (old * 1024)};
    }

    private static long clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
                return Long.parseLong(out);
            }
        } catch (IOException | NumberFormatException e) {
            // the Linux default below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 100;
    }
}
