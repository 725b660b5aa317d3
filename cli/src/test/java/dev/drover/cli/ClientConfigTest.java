package dev.drover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientConfigTest {
  @TempDir Path home;

  private void writeDefaultConfig(String text) throws IOException {
    Files.createDirectories(home.resolve(".drover"));
    Files.writeString(home.resolve(".drover/config"), text);
  }

  @Test
  void flagBeatsEnvironmentBeatsFile() throws IOException {
    writeDefaultConfig("url=http://file:1\ntoken=file-token\n");
    Map<String, String> env = Map.of("DROVER_URL", "http://env:2", "DROVER_TOKEN", "env-token");

    ClientConfig flags = ClientConfig.resolve("http://flag:3", "flag-token", env, home);
    assertEquals(new ClientConfig(URI.create("http://flag:3"), "flag-token"), flags);

    ClientConfig fromEnv = ClientConfig.resolve(null, null, env, home);
    assertEquals(new ClientConfig(URI.create("http://env:2"), "env-token"), fromEnv);

    ClientConfig fromFile = ClientConfig.resolve(null, null, Map.of(), home);
    assertEquals(new ClientConfig(URI.create("http://file:1"), "file-token"), fromFile);
  }

  @Test
  void eachValueComesFromItsOwnFirstSource() throws IOException {
    writeDefaultConfig("url=http://file:1\ntoken=file-token\n");
    ClientConfig c = ClientConfig.resolve("http://flag:3", null, Map.of(), home);
    assertEquals(new ClientConfig(URI.create("http://flag:3"), "file-token"), c);
  }

  @Test
  void droverConfigNamesTheFile() throws IOException {
    Path file = home.resolve("elsewhere.properties");
    Files.writeString(file, "# written by drover up\nurl = http://127.0.0.1:8080/\ntoken = s3cret\n");
    ClientConfig c = ClientConfig.resolve(null, null, Map.of("DROVER_CONFIG", file.toString()), home);
    assertEquals(new ClientConfig(URI.create("http://127.0.0.1:8080"), "s3cret"), c);
  }

  @Test
  void missingFileAndNoFlagsSaysHowToConfigure() {
    CliException e = assertThrows(CliException.class, () -> ClientConfig.resolve(null, null, Map.of(), home));
    assertEquals("no server configured: run 'drover up' or pass --server / set DROVER_URL", e.getMessage());
    assertEquals(ExitCodes.FAILURE, e.exitCode());
  }

  @Test
  void missingFileIsFineWhenTheFlagGivesTheServer() {
    ClientConfig c = ClientConfig.resolve("http://127.0.0.1:9", null, Map.of("DROVER_CONFIG", "/nonexistent/x"), home);
    assertEquals(URI.create("http://127.0.0.1:9"), c.server());
    assertNull(c.token());
  }

  @Test
  void blankValuesDoNotCount() throws IOException {
    writeDefaultConfig("url=http://file:1\n");
    ClientConfig c = ClientConfig.resolve("  ", null, Map.of("DROVER_URL", ""), home);
    assertEquals(URI.create("http://file:1"), c.server());
  }

  @Test
  void aServerThatIsNotAnHttpUrlIsAUsageError() {
    CliException e = assertThrows(CliException.class, () -> ClientConfig.resolve("127.0.0.1:8080", null, Map.of(), home));
    assertEquals(ExitCodes.USAGE, e.exitCode());
    assertEquals(
        "invalid server URL '127.0.0.1:8080': expected http(s)://HOST[:PORT], e.g. http://127.0.0.1:8080", e.getMessage());
  }
}
