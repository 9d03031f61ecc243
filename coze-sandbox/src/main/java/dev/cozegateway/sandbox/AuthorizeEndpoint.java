package dev.cozegateway.sandbox;

import java.io.IOException;
import java.util.Map;

/**
 * {@code GET /api/permission/oauth2/authorize} and its workspace variant (§3.4, §3.5): validates
 * the request and sends the browser to the consent page. Bad input gets a 400 page or JSON, never a
 * redirect: the redirect URI may be the very thing that is wrong.
 */
final class AuthorizeEndpoint {
  private final Map<String, SandboxApp> apps;
  private final Authorizations authorizations;
  private final String consentUrl;

  AuthorizeEndpoint(Map<String, SandboxApp> apps, Authorizations authorizations, String baseUrl) {
    this.apps = apps;
    this.authorizations = authorizations;
    // Absolute, as Coze answers with https://www.coze.cn/oauth/consent?authorize_key=…
    this.consentUrl = baseUrl + ConsentEndpoint.PATH;
  }

  /**
   * @param workspaceId the workspace from the path, or {@code null} on the plain authorize URL
   */
  void handle(SandboxExchange exchange, String workspaceId) throws IOException {
    try {
      Authorizations.Request request = validate(exchange.query(), workspaceId);
      exchange.redirect(consentUrl + "?authorize_key=" + authorizations.awaitConsent(request));
    } catch (OAuthException e) {
      exchange.sendPageError(e);
    }
  }

  private Authorizations.Request validate(Params query, String workspaceId) throws OAuthException {
    // Client and redirect URI first: until both are known good nothing may point at the URI.
    SandboxApp app = apps.get(query.required("client_id"));
    if (app == null) {
      throw OAuthException.invalidRequest("client_id");
    }
    if (!ClientAuthentication.CODE_APPS.contains(app.type())) {
      throw OAuthException.invalidAppType();
    }
    String redirectUri = query.required("redirect_uri");
    if (!app.redirectUris().contains(redirectUri)) {
      throw OAuthException.invalidRequest("redirect_uri");
    }
    if (!"code".equals(query.required("response_type"))) {
      throw OAuthException.invalidRequest("response_type");
    }
    String challenge = emptyToNull(query.optional("code_challenge"));
    String requestedMethod = emptyToNull(query.optional("code_challenge_method"));
    if (challenge == null && (requestedMethod != null || !app.confidential())) {
      // A method without a challenge is a client bug. A public app without PKCE would have no
      // client authentication at all; the sandbox insists on it (Coze does not document this).
      throw OAuthException.invalidRequest("code_challenge");
    }
    String method =
        Pkce.method(requestedMethod)
            .orElseThrow(() -> OAuthException.invalidRequest("code_challenge_method"));
    return new Authorizations.Request(
        app.clientId(), redirectUri, query.optional("state"), challenge, method, workspaceId);
  }

  private static String emptyToNull(String value) {
    return value == null || value.isEmpty() ? null : value;
  }
}
