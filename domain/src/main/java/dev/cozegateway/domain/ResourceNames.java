package dev.cozegateway.domain;

/** Shared parsing of {@code tenants/{tenant}/<collection>/{id}} resource names. */
final class ResourceNames {
  private ResourceNames() {}

  static GatewayException.InvalidArgument malformed(String field, String pattern, String value) {
    String shown = value == null || value.isEmpty() ? "empty" : "'" + truncate(value) + "'";
    return new GatewayException.InvalidArgument(
        Reason.INVALID_RESOURCE_NAME,
        field,
        "must be a resource name of the form " + pattern + ", got " + shown);
  }

  /** Splits {@code tenants/{tenant}/{collection}/{id}} into tenant and id, or throws. */
  static String[] parseChild(String name, String collection, String field) {
    String pattern = "tenants/{tenant}/" + collection + "/{id}";
    if (name == null) {
      throw malformed(field, pattern, null);
    }
    String[] parts = name.split("/", -1);
    if (parts.length != 4
        || !parts[0].equals("tenants")
        || !parts[2].equals(collection)
        || !ResourceIds.isValid(parts[1])
        || !ResourceIds.isValid(parts[3])) {
      throw malformed(field, pattern, name);
    }
    return new String[] {parts[1], parts[3]};
  }

  private static String truncate(String value) {
    return value.length() <= 200 ? value : value.substring(0, 200) + "…";
  }
}
