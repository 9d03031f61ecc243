package dev.cozegateway.domain.port;

import dev.cozegateway.domain.App;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.TokenSet;
import java.net.URI;

/**
 * Coze's OAuth endpoints, for one configured app at a time.
 *
 * <p>Implementations are thread-safe. Outcomes Coze decides (a rejected code or refresh token) are
 * returned as {@link GrantResult.Rejected}; an unreachable Coze, a timeout or a 5xx throws {@link
 * dev.cozegateway.domain.GatewayException.Unavailable}; Coze rejecting the app's own credentials
 * throws {@link dev.cozegateway.domain.GatewayException.FailedPrecondition} with reason {@code
 * APP_MISCONFIGURED}.
 */
public interface CozeOAuth {

  /**
   * The browser URI of Coze's consent page for an authorization-code request with an S256 PKCE
   * challenge. Pure: makes no call.
   *
   * @param workspaceId a Coze workspace id (digits) for the workspace-scoped authorize page, or
   *     empty for the plain one
   */
  URI authorizeUri(App app, String state, String codeChallenge, String workspaceId);

  /** Exchanges an authorization code (with its PKCE verifier) for tokens. */
  GrantResult exchangeCode(App app, String code, Secret codeVerifier);

  /** Redeems a refresh token. Coze rotates it: on success the one sent is dead. */
  GrantResult refresh(App app, Secret refreshToken);

  /** The result of a token request. */
  sealed interface GrantResult {
    /** Coze's log id for the call ({@code X-Tt-Logid}), or empty. */
    String logId();

    /** Coze granted tokens. */
    record Granted(TokenSet tokens, String logId) implements GrantResult {}

    /**
     * Coze refused the grant, e.g. {@code invalid_grant} for a used or expired refresh token.
     *
     * @param errorCode Coze's {@code error_code}
     * @param message Coze's {@code error_message}
     */
    record Rejected(String errorCode, String message, String logId) implements GrantResult {}
  }
}
