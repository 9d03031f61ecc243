package dev.cozegateway.sandbox;

import java.util.Objects;

/**
 * What the sandbox knows about one refresh token it issued. Test-only: a real server exposes
 * nothing like this.
 *
 * @param refreshToken the token itself
 * @param clientId the app it was issued to
 * @param state {@value #ACTIVE}, {@value #USED} (redeemed once, so dead by rotation) or {@value
 *     #EXPIRED} (never redeemed and past its lifetime); a used token stays {@value #USED}
 * @param attempts every redemption attempt with this token, successful or not
 */
public record RefreshTokenInfo(String refreshToken, String clientId, String state, int attempts) {
  /** Not yet redeemed and not expired. */
  public static final String ACTIVE = "active";

  /** Redeemed once; any further attempt is refused. */
  public static final String USED = "used";

  /** Never redeemed and now past its lifetime. */
  public static final String EXPIRED = "expired";

  public RefreshTokenInfo {
    Objects.requireNonNull(refreshToken, "refreshToken");
    Objects.requireNonNull(clientId, "clientId");
    Objects.requireNonNull(state, "state");
  }

  @Override
  public String toString() {
    // Keep the token out of assertion messages and logs.
    return "RefreshTokenInfo[clientId="
        + clientId
        + ", state="
        + state
        + ", attempts="
        + attempts
        + "]";
  }
}
