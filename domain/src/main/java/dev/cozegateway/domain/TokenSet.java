package dev.cozegateway.domain;

import java.time.Instant;
import java.util.Objects;

/**
 * The tokens Coze granted for one connection.
 *
 * @param accessToken the bearer token for Coze APIs
 * @param accessTokenExpireTime when the access token expires (Coze's absolute {@code expires_in})
 * @param refreshToken the single-use, rotating refresh token; never leaves the gateway
 */
public record TokenSet(Secret accessToken, Instant accessTokenExpireTime, Secret refreshToken) {
  public TokenSet {
    Objects.requireNonNull(accessToken, "accessToken");
    Objects.requireNonNull(accessTokenExpireTime, "accessTokenExpireTime");
    Objects.requireNonNull(refreshToken, "refreshToken");
  }
}
