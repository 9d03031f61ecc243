package dev.cozegateway.domain;

import java.util.Objects;

/** The name of an authorization: {@code tenants/{tenant}/authorizations/{authorization}}. */
public record AuthorizationName(TenantId tenant, String authorizationId) {
  public AuthorizationName {
    Objects.requireNonNull(tenant, "tenant");
    ResourceIds.require(authorizationId, "name", "authorization");
  }

  /** Parses an authorization name; {@code field} names the request field in errors. */
  public static AuthorizationName parse(String name, String field) {
    String[] parts = ResourceNames.parseChild(name, "authorizations", field);
    return new AuthorizationName(new TenantId(parts[0]), parts[1]);
  }

  public String name() {
    return tenant.name() + "/authorizations/" + authorizationId;
  }

  @Override
  public String toString() {
    return name();
  }
}
