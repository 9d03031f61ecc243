package dev.cozegateway.domain.port;

import dev.cozegateway.domain.ServiceToken;
import dev.cozegateway.domain.ServiceTokenKey;
import java.util.Optional;

/**
 * The cache of JWT service apps' access tokens, shared by every replica on the same store. Tokens
 * are sealed; entries may be dropped once expired.
 *
 * <p>Implementations are thread-safe. Failures to reach the store surface as {@link
 * dev.cozegateway.domain.GatewayException.Unavailable} with reason {@code STORE_UNAVAILABLE}.
 */
public interface ServiceTokenStore {

  /** The cached token for the key, or empty (never stored, or dropped after it expired). */
  Optional<ServiceToken> find(ServiceTokenKey key);

  /**
   * Stores {@code token} for its key unless the stored one expires at the same time or later
   * (atomically): a replica that minted late cannot replace a fresher token.
   *
   * @return the token stored afterwards
   */
  ServiceToken putIfFresher(ServiceToken token);
}
