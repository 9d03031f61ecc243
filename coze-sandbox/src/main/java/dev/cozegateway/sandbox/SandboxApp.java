package dev.cozegateway.sandbox;

import java.net.URI;
import java.util.List;
import java.util.Objects;

/**
 * An OAuth app registered in the sandbox, as a developer would register it in the Coze console.
 *
 * <p>Only the two browser flows exist so far (§3.1): {@value #WEB} (a confidential web backend app
 * that authenticates with its client secret) and {@value #PKCE} (a public mobile, desktop or
 * single-page app with no secret). Real client ids are 32 digits followed by {@code .app.coze}; the
 * sandbox does not insist on that so tests can use readable ids.
 *
 * @param clientId the app's client id, unique within a sandbox
 * @param type {@value #WEB} or {@value #PKCE}
 * @param clientSecret the secret a {@value #WEB} app sends as {@code Authorization: Bearer}; {@code
 *     null} for {@value #PKCE}
 * @param redirectUris the registered redirect URIs, 1 to 3 (Coze's limit) absolute URIs; an
 *     authorize request must name one of them exactly
 */
public record SandboxApp(
    String clientId, String type, String clientSecret, List<String> redirectUris) {
  /** A confidential web backend app: authorization code, client secret as bearer. */
  public static final String WEB = "web";

  /** A public app: authorization code with PKCE, no client secret. */
  public static final String PKCE = "pkce";

  /** Coze accepts at most this many redirect URIs per app (§5). */
  static final int MAX_REDIRECT_URIS = 3;

  public SandboxApp {
    requireText(clientId, "clientId");
    Objects.requireNonNull(type, "type");
    switch (type) {
      case WEB -> requireText(clientSecret, "clientSecret (a web app needs one)");
      case PKCE -> {
        if (clientSecret != null) {
          throw new IllegalArgumentException("a pkce app has no client secret");
        }
      }
      default ->
          throw new IllegalArgumentException(
              "unknown app type '" + type + "': expected " + WEB + " or " + PKCE);
    }
    redirectUris = List.copyOf(Objects.requireNonNull(redirectUris, "redirectUris"));
    if (redirectUris.isEmpty() || redirectUris.size() > MAX_REDIRECT_URIS) {
      throw new IllegalArgumentException(
          "an app needs 1 to " + MAX_REDIRECT_URIS + " redirect URIs, got " + redirectUris.size());
    }
    for (String uri : redirectUris) {
      if (!URI.create(uri).isAbsolute()) {
        throw new IllegalArgumentException("redirect URI is not absolute: " + uri);
      }
    }
  }

  /** A confidential web backend app. */
  public static SandboxApp web(String clientId, String clientSecret, String... redirectUris) {
    return new SandboxApp(clientId, WEB, clientSecret, List.of(redirectUris));
  }

  /** A public app that uses PKCE and has no secret. */
  public static SandboxApp pkce(String clientId, String... redirectUris) {
    return new SandboxApp(clientId, PKCE, null, List.of(redirectUris));
  }

  /** Whether token requests for this app must carry its client secret. */
  boolean confidential() {
    return WEB.equals(type);
  }

  @Override
  public String toString() {
    // Records print every component; the secret must not reach logs or test reports.
    return "SandboxApp[clientId="
        + clientId
        + ", type="
        + type
        + ", clientSecret="
        + (clientSecret == null ? "null" : "***")
        + ", redirectUris="
        + redirectUris
        + "]";
  }

  private static void requireText(String value, String name) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be blank");
    }
  }
}
