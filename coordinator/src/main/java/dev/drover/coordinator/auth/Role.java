package dev.drover.coordinator.auth;

import java.util.Locale;

/** What a token may do: users see and cancel their own jobs, operators and admins everything. */
public enum Role {
  USER,
  OPERATOR,
  ADMIN;

  public boolean atLeast(Role other) {
    return ordinal() >= other.ordinal();
  }

  public static Role parse(String s) {
    try {
      return Role.valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException("unknown role '" + s + "'; use admin, operator or user");
    }
  }
}
