package dev.drover.coordinator.auth;

/** Who is calling the API, as identified by a bearer token. */
public record Principal(String name, Role role) {
  public boolean canSeeAllJobs() {
    return role.atLeast(Role.OPERATOR);
  }
}
