package dev.cozegateway.application;

import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.port.ConnectionStore;

/**
 * Deletes a connection and its tokens. Coze has no revocation endpoint: the tokens stay valid at
 * Coze until they expire, but the gateway no longer holds them.
 */
public final class DeleteConnection {
  private final ConnectionStore store;

  DeleteConnection(ConnectionStore store) {
    this.store = store;
  }

  public void execute(ConnectionName name) {
    if (!store.delete(name)) {
      throw GetConnection.notFound(name);
    }
  }
}
