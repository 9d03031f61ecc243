package dev.cozegateway.domain;

import java.time.Instant;
import java.util.Objects;

/**
 * A JWT service app's access token, cached for its key and sealed by the vault.
 *
 * @param key what it is for
 * @param token the access token, sealed with {@link ServiceTokenKey#tokenContext()}
 * @param expireTime when Coze says it expires
 * @param createTime when it was minted
 */
public record ServiceToken(
    ServiceTokenKey key, SealedSecret token, Instant expireTime, Instant createTime) {
  public ServiceToken {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(expireTime, "expireTime");
    Objects.requireNonNull(createTime, "createTime");
  }
}
