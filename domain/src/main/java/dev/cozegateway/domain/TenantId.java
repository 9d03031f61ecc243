package dev.cozegateway.domain;

/** A tenant: the namespace of one calling service's connections, named {@code tenants/{id}}. */
public record TenantId(String id) {
  private static final String PREFIX = "tenants/";

  public TenantId {
    ResourceIds.require(id, "parent", "tenant");
  }

  /** Parses {@code tenants/{tenant}}; {@code field} names the request field in errors. */
  public static TenantId parse(String name, String field) {
    if (name == null || !name.startsWith(PREFIX)) {
      throw ResourceNames.malformed(field, "tenants/{tenant}", name);
    }
    String id = name.substring(PREFIX.length());
    if (!ResourceIds.isValid(id)) {
      throw ResourceNames.malformed(field, "tenants/{tenant}", name);
    }
    return new TenantId(id);
  }

  public String name() {
    return PREFIX + id;
  }

  @Override
  public String toString() {
    return name();
  }
}
