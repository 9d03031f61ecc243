package dev.cozegateway.sandbox;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.Map;

/**
 * Identifies and authenticates the app behind a token request (§3.1, §3.4–§3.6).
 *
 * <ul>
 *   <li>A web app must send {@code Authorization: Bearer <client_secret>}; a wrong credential is
 *       401 {@code invalid_client}. A missing one is 401 {@code invalid_client} too, except on a
 *       PKCE-shaped exchange (one carrying {@code code_verifier}), which Coze answers with 400
 *       {@code invalid request: client_secret} (§3.1, §5.1): the app is registered as confidential
 *       but the client behaves as a public one.
 *   <li>A PKCE app sends no credential: no header (Python, Java) or an empty {@code Bearer } (Go,
 *       JS). A credential it should not have is refused as {@code invalid_client}, so a gateway
 *       that leaks a secret to a public app's flow fails loudly here.
 * </ul>
 */
final class ClientAuthentication {
  private final Map<String, SandboxApp> apps;

  ClientAuthentication(Map<String, SandboxApp> apps) {
    this.apps = apps;
  }

  /**
   * The authenticated app named by the body's {@code client_id}.
   *
   * @param pkceShaped whether the request is a PKCE exchange, for the error a web app gets
   */
  SandboxApp authenticate(TokenRequest request, boolean pkceShaped) throws OAuthException {
    SandboxApp app = apps.get(request.requiredText("client_id"));
    if (app == null) {
      throw OAuthException.invalidClient("invalid client: unknown client_id");
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
