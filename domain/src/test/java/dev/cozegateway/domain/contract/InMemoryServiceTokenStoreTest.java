package dev.cozegateway.domain.contract;

import dev.cozegateway.domain.port.ServiceTokenStore;
import dev.cozegateway.domain.testing.InMemoryServiceTokenStore;

/** Keeps the fake honest: it must pass the same contract as the real stores. */
class InMemoryServiceTokenStoreTest extends ServiceTokenStoreContract {
  @Override
  protected ServiceTokenStore store() {
    return new InMemoryServiceTokenStore();
  }
}
