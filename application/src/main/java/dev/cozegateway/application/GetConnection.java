package dev.cozegateway.application;

import dev.cozegateway.domain.Connection;
import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.port.ConnectionStore;

/** Gets a connection's metadata. */
public final class GetConnection {
  private final ConnectionStore store;

  GetConnection(ConnectionStore store) {
    this.store = store;
  }

  public Connection execute(ConnectionName name) {
    return store.find(name).orElseThrow(() -> notFound(name));
  }

  static GatewayException notFound(ConnectionName name) {
    return new GatewayException.NotFound(
        Reason.CONNECTION_NOT_FOUND, "connection " + name + " does not exist");
  }
}
