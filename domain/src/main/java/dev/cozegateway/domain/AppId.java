package dev.cozegateway.domain;

/** The name of a configured Coze app: {@code apps/{app}}. */
public record AppId(String id) {
  private static final String PREFIX = "apps/";

  public AppId {
    ResourceIds.require(id, "app", "app");
  }

  /** Parses {@code apps/{app}}; {@code field} names the request field in errors. */
  public static AppId parse(String name, String field) {
    if (name == null || !name.startsWith(PREFIX) || !ResourceIds.isValid(name.substring(5))) {
      throw ResourceNames.malformed(field, "apps/{app}", name);
    }
    return new AppId(name.substring(PREFIX.length()));
  }

  public String name() {
    return PREFIX + id;
  }

  @Override
  public String toString() {
    return name();
  }
}
