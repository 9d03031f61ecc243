package dev.cozegateway.domain.contract;

import dev.cozegateway.domain.port.AuthorizationStore;
import dev.cozegateway.domain.testing.InMemoryAuthorizationStore;

/** Keeps the fake honest: it must pass the same contract as the real stores. */
class InMemoryAuthorizationStoreTest extends AuthorizationStoreContract {
  @Override
  protected AuthorizationStore store() {
    return new InMemoryAuthorizationStore();
  }
}
