package dev.cozegateway.domain;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * What a JWT service app's access token is for: the app, the end user's session name (empty for the
 * app itself), and the scope (empty for none). Tokens are cached per key.
 *
 * @param app the JWT app
 * @param sessionName Coze's {@code session_name}: at most 256 characters, or empty
 * @param scope the token's scope as Coze's JSON, or empty
 */
public record ServiceTokenKey(AppId app, String sessionName, String scope) {
  /** The longest session name accepted. */
  public static final int MAX_SESSION_NAME = 256;

  private static final TenantId LEASE_NAMESPACE = new TenantId("service-tokens");

  public ServiceTokenKey {
    Objects.requireNonNull(app, "app");
    sessionName = sessionName == null ? "" : sessionName;
    scope = scope == null ? "" : scope;
    if (sessionName.length() > MAX_SESSION_NAME) {
      throw new GatewayException.InvalidArgument(
          Reason.INVALID_ARGUMENT,
          "session_name",
          "must be at most " + MAX_SESSION_NAME + " characters");
    }
  }

  /**
   * A stable id for storage keys: hex SHA-256 of the three parts, each prefixed with its length so
   * that no two keys share an id whatever characters a session name or scope holds. Session names
   * are the caller's strings; they never appear in a store key.
   */
  public String id() {
    String encoded =
        app.id().length()
            + ":"
            + app.id()
            + sessionName.length()
            + ":"
            + sessionName
            + scope.length()
            + ":"
            + scope;
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(encoded.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /**
   * The name under which replicas take the lease to mint this key's token (the refresh leases'
   * namespace, in a tenant of its own).
   */
  public ConnectionName leaseName() {
    return new ConnectionName(LEASE_NAMESPACE, "t" + id().substring(0, 40));
  }

  /** The associated data that binds a sealed token to its key. */
  public String tokenContext() {
    return "service-token:" + id();
  }
}
