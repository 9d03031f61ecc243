package dev.cozegateway.sandbox;

import java.util.Objects;

/**
 * One service token the sandbox issued for a JWT (§3.7). Test-only: a real server exposes nothing
 * like this.
 *
 * @param accessToken the {@code czs_…} token
 * @param clientId the JWT app ({@code iss})
 * @param sessionName the JWT's {@code session_name} claim, or {@code null}
 * @param accountId the {@code account_id} of {@code /account/{account_id}/token}, or {@code null}
 * @param enterpriseId the {@code enterprise_id} of {@code /enterprise_id/{enterprise_id}/token}, or
 *     {@code null}
 * @param durationSeconds the lifetime asked for ({@code duration_seconds}, default 900)
 * @param expiresIn the token's expiry as absolute Unix seconds, as sent
 */
public record JwtTokenInfo(
    String accessToken,
    String clientId,
    String sessionName,
    String accountId,
    String enterpriseId,
    long durationSeconds,
    long expiresIn) {

  public JwtTokenInfo {
    Objects.requireNonNull(accessToken, "accessToken");
    Objects.requireNonNull(clientId, "clientId");
  }

  @Override
  public String toString() {
    // Keep the token out of assertion messages and logs.
    return "JwtTokenInfo[clientId="
        + clientId
        + ", sessionName="
        + sessionName
        + ", accountId="
        + accountId
        + ", enterpriseId="
        + enterpriseId
        + ", durationSeconds="
        + durationSeconds
        + ", expiresIn="
        + expiresIn
        + "]";
  }
}
