package dev.cozegateway.application;

import dev.cozegateway.domain.Authorization;
import dev.cozegateway.domain.AuthorizationError;
import dev.cozegateway.domain.AuthorizationName;
import dev.cozegateway.domain.AuthorizationState;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.port.AuthorizationStore;
import java.util.Map;

/**
 * Cancels a PENDING authorization: a device authorization is polled no more, and a browser one can
 * no longer be completed. Compare-and-set, so it never overwrites an outcome a poll recorded at the
 * same moment. Thread-safe.
 */
public final class CancelAuthorization {
  private static final int MAX_ATTEMPTS = 5;
  private static final AuthorizationError CANCELLED =
      new AuthorizationError("CANCELLED", "cancelled by the caller", "");

  private final AuthorizationStore store;

  CancelAuthorization(AuthorizationStore store) {
    this.store = store;
  }

  public Authorization execute(AuthorizationName name) {
    for (int attempt = 1; ; attempt++) {
      Authorization current =
          store
              .find(name)
              .orElseThrow(
                  () ->
                      new GatewayException.NotFound(
                          Reason.AUTHORIZATION_NOT_FOUND,
                          "authorization " + name + " does not exist"));
      if (current.state() != AuthorizationState.PENDING) {
        throw new GatewayException.FailedPrecondition(
            Reason.AUTHORIZATION_NOT_PENDING,
            name + " is " + current.state(),
            Map.of("authorization", name.name()));
      }
      Authorization cancelled = current.finished(AuthorizationState.CANCELLED, CANCELLED);
      if (store.replaceIfVersion(cancelled, current.version())) {
        return cancelled;
      }
      if (attempt == MAX_ATTEMPTS) {
        throw new GatewayException.Unavailable(
            Reason.STORE_UNAVAILABLE, name + " kept changing; try again", Map.of(), null);
      }
    }
  }
}
