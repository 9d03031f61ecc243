package dev.cozegateway.domain;

import java.util.regex.Pattern;

/** The one rule for the id segments of resource names (AIP-122): lower-case, 1-63 characters. */
final class ResourceIds {
  private static final Pattern ID = Pattern.compile("[a-z]([a-z0-9-]{0,61}[a-z0-9])?");

  private ResourceIds() {}

  static boolean isValid(String id) {
    return id != null && ID.matcher(id).matches();
  }

  static String require(String id, String field, String kind) {
    if (!isValid(id)) {
      throw new GatewayException.InvalidArgument(
          Reason.INVALID_RESOURCE_NAME,
          field,
          kind
              + " id must be 1-63 characters of lower-case letters, digits and hyphens, starting"
              + " with a letter and not ending with a hyphen");
    }
    return id;
  }
}
