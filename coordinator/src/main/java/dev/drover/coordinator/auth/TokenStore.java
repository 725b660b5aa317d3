package dev.drover.coordinator.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * API tokens (from the tokens file) and the agents' join token.
 *
 * <p>The tokens file is JSON: {@code {"tokens":[{"name":"alice","role":"user","token":"..."}]}}.
 * On first start it is created with one admin token, readable only by its owner.
 */
public final class TokenStore {
  private static final Pattern NAME = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._@-]{0,62}$");
  private static final SecureRandom RANDOM = new SecureRandom();

  private record Entry(Principal principal, byte[] token) {}

  private final List<Entry> entries;
  private final byte[] joinToken;

  private TokenStore(List<Entry> entries, byte[] joinToken) {
    this.entries = entries;
    this.joinToken = joinToken;
  }

  /** Loads both files, creating them with fresh random tokens when missing. */
  public static TokenStore loadOrCreate(Path tokensFile, Path joinTokenFile) throws IOException {
    ObjectMapper m = new ObjectMapper();
    if (!Files.exists(tokensFile)) {
      ObjectNode root = m.createObjectNode();
      ArrayNode arr = root.putArray("tokens");
      ObjectNode admin = arr.addObject();
      admin.put("name", "admin");
      admin.put("role", "admin");
      admin.put("token", newToken());
      writePrivate(tokensFile, m.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
    }
    if (!Files.exists(joinTokenFile)) {
      writePrivate(joinTokenFile, newToken() + "\n");
    }
    List<Entry> entries = new ArrayList<>();
    JsonNode root;
    try {
      root = m.readTree(tokensFile.toFile());
    } catch (IOException e) {
      throw new IOException("cannot read tokens file " + tokensFile + ": " + e.getMessage(), e);
    }
    JsonNode arr = root == null ? null : root.get("tokens");
    if (arr == null || !arr.isArray()) {
      throw new IOException("tokens file " + tokensFile + " must be {\"tokens\":[{\"name\",\"role\",\"token\"}, ...]}");
    }
    int i = 0;
    for (JsonNode t : arr) {
      String where = tokensFile + " /tokens/" + i++;
      String name = text(t, "name", where);
      String token = text(t, "token", where);
      Role role;
      try {
        role = Role.parse(text(t, "role", where));
      } catch (IllegalArgumentException e) {
        throw new IOException(where + "/role: " + e.getMessage());
      }
      if (!NAME.matcher(name).matches()) throw new IOException(where + "/name: '" + name + "' is not a valid name");
      if (token.length() < 16) throw new IOException(where + "/token: must be at least 16 characters");
      entries.add(new Entry(new Principal(name, role), token.getBytes(StandardCharsets.UTF_8)));
    }
    String join = Files.readString(joinTokenFile).trim();
    if (join.length() < 16) throw new IOException("join token in " + joinTokenFile + " must be at least 16 characters");
    return new TokenStore(List.copyOf(entries), join.getBytes(StandardCharsets.UTF_8));
  }

  /** The principal of a bearer token, compared in constant time. */
  public Optional<Principal> authenticate(String token) {
    if (token == null) return Optional.empty();
    byte[] given = token.getBytes(StandardCharsets.UTF_8);
    Principal found = null;
    for (Entry e : entries) {
      if (MessageDigest.isEqual(e.token(), given)) found = e.principal();
    }
    return Optional.ofNullable(found);
  }

  public boolean isJoinToken(String token) {
    return token != null && MessageDigest.isEqual(joinToken, token.getBytes(StandardCharsets.UTF_8));
  }

  /** The first admin token, for the local CLI configuration that `drover up` writes. */
  public Optional<String> firstAdminToken() {
    return entries.stream()
        .filter(e -> e.principal().role() == Role.ADMIN)
        .findFirst()
        .map(e -> new String(e.token(), StandardCharsets.UTF_8));
  }

  private static String text(JsonNode t, String field, String where) throws IOException {
    JsonNode v = t.get(field);
    if (v == null || !v.isTextual()) throw new IOException(where + "/" + field + ": required string");
    return v.asText();
  }

  public static String newToken() {
    byte[] b = new byte[24];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  private static void writePrivate(Path file, String content) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, content);
    try {
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException ignored) {
      // not a POSIX file system: keep the default permissions
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
