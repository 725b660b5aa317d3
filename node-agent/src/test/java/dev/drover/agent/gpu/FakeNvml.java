package dev.drover.agent.gpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Builds the fake libnvidia-ml.so.1 from src/test/c/fake_nvml.c with gcc (once per JVM) and scripts
 * it. The library is loaded once per process, so each test sets its own script.
 */
public final class FakeNvml {
  private static Path library;
  private static Path failing;
  private static Control control;

  /** The extra symbol the fake exports for in-process tests (a JVM cannot set its own environment). */
  interface Control extends Library {
    void fake_nvml_set_script(String path);
  }

  private FakeNvml() {}

  /** The fake library's path, or null when gcc is not available. */
  public static synchronized Path library() throws IOException, InterruptedException {
    if (library == null) {
      Path out = Path.of("target", "fake-nvml").toAbsolutePath();
      Files.createDirectories(out.resolve("failing"));
      Path lib = out.resolve("libnvidia-ml.so.1");
      if (!gcc(lib, List.of())) {
        return null;
      }
      Path fail = out.resolve("failing").resolve("libnvidia-ml.so.1");
      assertTrue(gcc(fail, List.of("-DFAKE_FAIL_INIT=9")), "gcc failed on the failing variant");
      failing = fail;
      library = lib;
    }
    return library;
  }

  /** A variant whose nvmlInit_v2 answers NVML_ERROR_DRIVER_NOT_LOADED. */
  public static synchronized Path failing() throws IOException, InterruptedException {
    library();
    return failing;
  }

  /** Writes the script (one directive a line) and makes the fake read it now. */
  public static synchronized void script(Path file, String... lines) throws IOException {
    Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    if (control == null) {
      control = Native.load(library.toString(), Control.class);
    }
    control.fake_nvml_set_script(file.toString());
  }

  private static boolean gcc(Path target, List<String> defines) throws IOException, InterruptedException {
    Path source = Path.of("src", "test", "c", "fake_nvml.c").toAbsolutePath();
    List<String> cmd = new ArrayList<>(List.of("gcc", "-shared", "-fPIC", "-Wall", "-Werror", "-pthread"));
    cmd.addAll(defines);
    cmd.addAll(List.of("-o", target.toString(), source.toString()));
    Process p;
    try {
      p = new ProcessBuilder(cmd).inheritIO().start();
    } catch (IOException e) {
      return false;
    }
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "gcc timed out");
    return p.exitValue() == 0;
  }
}
