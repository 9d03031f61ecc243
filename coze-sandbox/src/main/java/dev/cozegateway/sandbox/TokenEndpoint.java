package dev.cozegateway.sandbox;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /api/permission/oauth2/token} and the JWT-only {@code account/{id}/token} and {@code
 * enterprise_id/{id}/token}: JSON in, a bare token object or a §3.9 error out. Dispatches on {@code
 * grant_type} to the registered {@link Grant}s.
 */
final class TokenEndpoint {
  private static final Logger log = LoggerFactory.getLogger(TokenEndpoint.class);

  private final Map<String, Grant> grants;
  private final RefreshHold refreshHold;

  TokenEndpoint(List<Grant> grants, RefreshHold refreshHold) {
    this.grants =
        grants.stream().collect(Collectors.toUnmodifiableMap(Grant::type, Function.identity()));
    this.refreshHold = refreshHold;
  }

  /** {@code POST /api/permission/oauth2/token}: every grant. */
  void handle(SandboxExchange exchange) throws IOException {
    handle(exchange, null, null);
  }

  /**
   * The token endpoints of §3.2; with an {@code accountId} ({@code /account/{id}/token}) or an
   * {@code enterpriseId} ({@code /enterprise_id/{id}/token}) only the JWT grant exists.
   */
  void handle(SandboxExchange exchange, String accountId, String enterpriseId) throws IOException {
    try {
      // Coze takes JSON only, never form-encoded (§1); Go adds "; charset=utf-8".
      if (!exchange.hasContentType("application/json")) {
        throw OAuthException.invalidRequest("Content-Type must be application/json");
      }
      TokenRequest request =
          new TokenRequest(
              exchange.jsonBody(), exchange.header("Authorization"), accountId, enterpriseId);
      String grantType = request.requiredText("grant_type");
      Grant grant = grants.get(grantType);
      boolean organisationEndpoint = accountId != null || enterpriseId != null;
      if (grant == null || (organisationEndpoint && !grantType.equals(JwtBearerGrant.TYPE))) {
        throw OAuthException.unsupportedGrantType(grantType);
      }
      // The test hook: before the refresh token is looked up. A dropped request sends nothing;
      // the router then closes the exchange, so the client sees the connection close.
      if (grantType.equals("refresh_token") && refreshHold.await() == RefreshHold.Verdict.DROP) {
        log.debug("held refresh request dropped");
        return;
      }
      IssuedTokens.Issued issued = grant.grant(request);
      exchange.sendJson(200, tokenBody(exchange, issued));
      log.debug("token grant {} succeeded", grantType);
    } catch (OAuthException e) {
      log.debug("token request refused: {}", e.errorCode());
      exchange.sendOAuthError(e);
    }
  }

  /** The bare success object of §3.3: no {@code code}, no {@code token_type}. */
  private static ObjectNode tokenBody(SandboxExchange exchange, IssuedTokens.Issued issued) {
    ObjectNode body = exchange.newObject();
    body.put("access_token", issued.accessToken());
    body.put("expires_in", issued.expiresIn());
    if (issued.refreshToken() != null) {
      body.put("refresh_token", issued.refreshToken());
    }
    return body;
  }
}
