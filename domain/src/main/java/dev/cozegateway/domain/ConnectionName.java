package dev.cozegateway.domain;

import java.util.Objects;

/** The name of a connection: {@code tenants/{tenant}/connections/{connection}}. */
public record ConnectionName(TenantId tenant, String connectionId) {
  public ConnectionName {
    Objects.requireNonNull(tenant, "tenant");
    ResourceIds.require(connectionId, "connection_id", "connection");
  }

  /** Parses a connection name; {@code field} names the request field in errors. */
  public static ConnectionName parse(String name, String field) {
    String[] parts = ResourceNames.parseChild(name, "connections", field);
    return new ConnectionName(new TenantId(parts[0]), parts[1]);
  }

  public String name() {
    return tenant.name() + "/connections/" + connectionId;
  }

  @Override
  public String toString() {
    return name();
  }
}
