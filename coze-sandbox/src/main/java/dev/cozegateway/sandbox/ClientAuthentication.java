package dev.cozegateway.sandbox;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Identifies and authenticates the app behind a token request (§3.1, §3.4–§3.6).
 *
 * <ul>
 *   <li>A web app must send {@code Authorization: Bearer <client_secret>}; a wrong credential is
 *       401 {@code invalid_client}. A missing one is 401 {@code invalid_client} too, except on a
 *       PKCE-shaped exchange (one carrying {@code code_verifier}), which Coze answers with 400
 *       {@code invalid request: client_secret} (§3.1, §5.1): the app is registered as confidential
 *       but the client behaves as a public one.
 *   <li>A PKCE or device app sends no credential: no header (Python, Java) or an empty {@code
 *       Bearer } (Go, JS). A credential it should not have is refused as {@code invalid_client}, so
 *       a gateway that leaks a secret to a public app's flow fails loudly here.
 * </ul>
 */
final class ClientAuthentication {
  /** The apps that sign in through a browser and redeem codes. */
  static final Set<String> CODE_APPS = Set.of(SandboxApp.WEB, SandboxApp.PKCE);

  /** The apps that get refresh tokens (§3.6). */
  static final Set<String> REFRESHING_APPS =
      Set.of(SandboxApp.WEB, SandboxApp.PKCE, SandboxApp.DEVICE);

  /** The apps of the device-code flow (§3.8). */
  static final Set<String> DEVICE_APPS = Set.of(SandboxApp.DEVICE);

  private final Map<String, SandboxApp> apps;

  ClientAuthentication(Map<String, SandboxApp> apps) {
    this.apps = apps;
  }

  /**
   * The authenticated app named by the body's {@code client_id}.
   *
   * @param pkceShaped whether the request is a PKCE exchange, for the error a web app gets
   * @param types the app types that have this flow; a known app of another type is refused with
   *     {@code access_deny} {@code invalid app type} (§3.9)
   */
  SandboxApp authenticate(TokenRequest request, boolean pkceShaped, Set<String> types)
      throws OAuthException {
    SandboxApp app = apps.get(request.requiredText("client_id"));
    if (app == null) {
      // Also an app registered only in the other region (§5.1): this sandbox never heard of it.
      throw OAuthException.invalidClient("invalid client: unknown client_id");
    }
    if (!types.contains(app.type())) {
      throw OAuthException.invalidAppType();
    }
    String credential = credential(request.authorization());
    if (app.confidential()) {
      if (credential.isEmpty()) {
        if (pkceShaped) {
          throw OAuthException.invalidRequest("client_secret");
        }
        throw OAuthException.invalidClient("invalid client: client secret missing");
      }
      if (!constantTimeEquals(credential, app.clientSecret())) {
        throw OAuthException.invalidClient("invalid client: client secret mismatch");
      }
    } else if (!credential.isEmpty()) {
      throw OAuthException.invalidClient("invalid client: a public app sends no client secret");
    }
    return app;
  }

  /**
   * The bearer credential: empty for no header or an empty {@code Bearer} (the server may have
   * trimmed its trailing space). Any other scheme comes back whole, so it never matches a secret.
   */
  private static String credential(String authorization) {
    if (authorization == null) {
      return "";
    }
    String value = authorization.strip();
    if (value.toLowerCase(Locale.ROOT).equals("bearer")) {
      return "";
    }
    if (value.toLowerCase(Locale.ROOT).startsWith("bearer ")) {
      return value.substring("bearer ".length()).strip();
    }
    return value;
  }

  private static boolean constantTimeEquals(String presented, String expected) {
    return MessageDigest.isEqual(
        presented.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
  }
}
