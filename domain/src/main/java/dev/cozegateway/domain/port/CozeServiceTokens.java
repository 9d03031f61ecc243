package dev.cozegateway.domain.port;

import dev.cozegateway.domain.App;
import dev.cozegateway.domain.TokenSet;
import java.time.Duration;
import java.util.Objects;

/**
 * Coze's JWT bearer grant for service (JWT) apps (§3.7 of the Coze contract): the adapter signs a
 * fresh RS256 JWT with the app's private key ({@code kid}, {@code iss} = client id, {@code aud} =
 * the API host, {@code iat}/{@code exp}, a unique {@code jti}, and {@code session_name} when given)
 * and exchanges it for an access token. There is no refresh token: a new JWT is signed each time,
 * and a JWT is never sent twice.
 *
 * <p>Implementations are thread-safe. Coze refusing the JWT or the app ({@code invalid_client},
 * e.g. a {@code kid} not registered in that region) throws {@link
 * dev.cozegateway.domain.GatewayException.FailedPrecondition} with reason {@code APP_MISCONFIGURED}
 * and a message naming the region and host; an unreachable Coze throws {@link
 * dev.cozegateway.domain.GatewayException.Unavailable}. No key, JWT or token appears in an
 * exception.
 */
public interface CozeServiceTokens {

  /** Signs a JWT for {@code app} and exchanges it; the tokens have no refresh token. */
  TokenSet exchange(App app, Request request);

  /**
   * What to ask for.
   *
   * @param sessionName the end user's session ({@code session_name}), or empty for the app itself
   * @param duration the token's lifetime ({@code duration_seconds}): 1 s to 86399 s
   * @param accountId for {@code /account/{account_id}/token}, or empty
   * @param enterpriseId for {@code /enterprise_id/{enterprise_id}/token}, or empty (not with an
   *     account id)
   */
  record Request(String sessionName, Duration duration, String accountId, String enterpriseId) {
    /** Coze's default token lifetime for the JWT grant. */
    public static final Duration DEFAULT_DURATION = Duration.ofSeconds(900);

    /** The longest lifetime Coze grants. */
    public static final Duration MAX_DURATION = Duration.ofSeconds(86_399);

    public Request {
      sessionName = sessionName == null ? "" : sessionName;
      accountId = accountId == null ? "" : accountId;
      enterpriseId = enterpriseId == null ? "" : enterpriseId;
      Objects.requireNonNull(duration, "duration");
      if (duration.toSeconds() < 1 || duration.compareTo(MAX_DURATION) > 0) {
        throw new IllegalArgumentException("duration must be 1 s to 86399 s, got " + duration);
      }
      if (!accountId.isEmpty() && !enterpriseId.isEmpty()) {
        throw new IllegalArgumentException("an account id or an enterprise id, not both");
      }
    }
  }
}
