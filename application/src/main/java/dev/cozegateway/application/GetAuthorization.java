package dev.cozegateway.application;

import dev.cozegateway.domain.AuthorizationName;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.port.AuthorizationStore;
import java.time.InstantSource;

/** Gets an authorization, so a caller can learn whether the end user finished it. */
public final class GetAuthorization {
  private final AuthorizationStore store;
  private final InstantSource clock;
  private final AuthorizationSupport support;

  GetAuthorization(AuthorizationStore store, InstantSource clock, AuthorizationSupport support) {
    this.store = store;
    this.clock = clock;
    this.support = support;
  }

  public AuthorizationDetails execute(AuthorizationName name) {
    return store
        .find(name)
        .map(authorization -> support.details(authorization, clock.instant()))
        .orElseThrow(
            () ->
                new GatewayException.NotFound(
                    Reason.AUTHORIZATION_NOT_FOUND, "authorization " + name + " does not exist"));
  }
}
