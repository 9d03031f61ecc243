package dev.cozegateway.domain.contract;

import dev.cozegateway.domain.port.ConnectionStore;
import dev.cozegateway.domain.testing.InMemoryConnectionStore;

/** Keeps the fake honest: it must pass the same contract as the real stores. */
class InMemoryConnectionStoreTest extends ConnectionStoreContract {
  @Override
  protected ConnectionStore store() {
    return new InMemoryConnectionStore();
  }
}
