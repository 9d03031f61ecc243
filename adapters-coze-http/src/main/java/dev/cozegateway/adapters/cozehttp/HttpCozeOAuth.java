package dev.cozegateway.adapters.cozehttp;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cozegateway.domain.App;
import dev.cozegateway.domain.AppType;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.port.CozeOAuth;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link CozeOAuth} over Coze's OAuth HTTP endpoints (Coze API reference §3.3–3.6, §3.9).
 *
 * <p>Every {@code java.net} and Jackson failure is translated here (through {@link
 * OAuthEndpoints}): callers see only {@link GrantResult} values and {@link GatewayException}s.
 * Messages never contain a token, code, verifier or secret. Thread-safe: it holds a shared {@link
 * HttpClient} and immutable settings only.
 */
final class HttpCozeOAuth implements CozeOAuth {
  static final String AUTHORIZE_PATH = OAuthEndpoints.OAUTH_PATH + "/authorize";
  static final String TOKEN_PATH = OAuthEndpoints.TOKEN_PATH;

  private static final Logger log = LoggerFactory.getLogger(HttpCozeOAuth.class);

  private final OAuthEndpoints endpoints;

  /**
   * @param http the client to send with; it owns the connect timeout and must not follow redirects
   * @param requestTimeout how long to wait for Coze's answer to one token request
   */
  HttpCozeOAuth(HttpClient http, Duration requestTimeout) {
    this.endpoints = new OAuthEndpoints(http, requestTimeout, log);
  }

  @Override
  public URI authorizeUri(App app, String state, String codeChallenge, String workspaceId) {
    requireCodeFlow(app);
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(codeChallenge, "codeChallenge");
    Objects.requireNonNull(workspaceId, "workspaceId");
    // The workspace-scoped page takes the same query (§3.2, §3.4).
    String path =
        workspaceId.isEmpty()
            ? AUTHORIZE_PATH
            : OAuthEndpoints.OAUTH_PATH
                + "/workspace_id/"
                + OAuthEndpoints.segment(workspaceId)
                + "/authorize";
    // Form encoding (space as '+'), the way the official clients build this URL (§3.4).
    String query =
        "response_type=code"
            + "&client_id="
            + form(app.clientId())
            + "&redirect_uri="
            + form(app.redirectUri().toString())
            + "&state="
            + form(state)
            + "&code_challenge="
            + form(codeChallenge)
            + "&code_challenge_method=S256";
    return URI.create(OAuthEndpoints.base(app.region().wwwBase()) + path + "?" + query);
  }

  @Override
  public GrantResult exchangeCode(App app, String code, Secret codeVerifier) {
    requireCodeFlow(app);
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(codeVerifier, "codeVerifier");
    ObjectNode body =
        OAuthEndpoints.object()
            .put("grant_type", "authorization_code")
            .put("code", code)
            .put("client_id", app.clientId())
            .put("redirect_uri", app.redirectUri().toString())
            .put("code_verifier", codeVerifier.reveal());
    return requestTokens(app, "authorization_code", body, List.of(code, codeVerifier.reveal()));
  }

  @Override
  public GrantResult refresh(App app, Secret refreshToken) {
    Objects.requireNonNull(refreshToken, "refreshToken");
    if (app.type() == AppType.JWT) {
      throw new GatewayException.FailedPrecondition(
          Reason.APP_TYPE_NOT_SUPPORTED,
          "app " + app.id() + " is a JWT app, which gets no refresh tokens",
          Map.of());
    }
    ObjectNode body =
        OAuthEndpoints.object()
            .put("grant_type", "refresh_token")
            .put("client_id", app.clientId())
            .put("refresh_token", refreshToken.reveal());
    return requestTokens(app, "refresh_token", body, List.of(refreshToken.reveal()));
  }

  /**
   * Sends one token request and interprets the answer.
   *
   * @param sentSecrets values sent in this request that must never appear in a message
   */
  private GrantResult requestTokens(
      App app, String grantType, ObjectNode body, List<String> sentSecrets) {
    List<String> secrets = new ArrayList<>(sentSecrets);
    String bearer = null;
    if (app.type() == AppType.WEB) {
      // A Web app's secret travels as a bearer token, never in the body or as Basic (§3.4).
      // Public apps (PKCE, device) send no Authorization header at all (§3.5, §3.6).
      bearer = app.clientSecret().reveal();
      secrets.add(bearer);
    }
    OAuthEndpoints.Reply reply =
        endpoints.post(
            OAuthEndpoints.endpoint(app, TOKEN_PATH),
            "token request grant_type=" + grantType,
            body,
            bearer);
    OAuthEndpoints.Verdict verdict = OAuthEndpoints.judge(reply, secrets, Set.of());
    if (verdict instanceof OAuthEndpoints.Verdict.Success success) {
      return new GrantResult.Granted(
          endpoints.tokens(success.json(), reply.logId(), true), reply.logId());
    }
    OAuthEndpoints.Verdict.Refusal refusal = (OAuthEndpoints.Verdict.Refusal) verdict;
    String code = refusal.errorCode();
    String message = refusal.message();
    boolean misconfigured =
        code.equals("invalid_client")
            || code.equals("access_deny")
            // §3.1/§5.1: "invalid request: client_secret" means Coze registered the app as
            // another type than the gateway's configuration says.
            || (code.equals("invalid_request") && message.contains("client_secret"));
    if (misconfigured) {
      throw new GatewayException.FailedPrecondition(
          Reason.APP_MISCONFIGURED, misconfigured(grantType, code, message), refusal.metadata());
    }
    // §7: any other 4xx judges this code or refresh token; the caller decides what it means.
    return new GrantResult.Rejected(code, message, refusal.logId());
  }

  private static String misconfigured(String grantType, String code, String message) {
    return "Coze rejected the app's credentials or type on "
        + grantType
        + " ("
        + code
        + ": "
        + message
        + "); check the app's client id, secret, type and region";
  }

  private static void requireCodeFlow(App app) {
    if (!app.type().usesAuthorizationCode()) {
      throw new GatewayException.FailedPrecondition(
          Reason.APP_TYPE_NOT_SUPPORTED,
          "app " + app.id() + " is a " + app.type() + " app; only WEB and PKCE apps use this flow",
          Map.of());
    }
    if (app.redirectUri() == null) {
      throw new GatewayException.FailedPrecondition(
          Reason.APP_MISCONFIGURED, "app " + app.id() + " has no redirect URI", Map.of());
    }
  }

  private static String form(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
