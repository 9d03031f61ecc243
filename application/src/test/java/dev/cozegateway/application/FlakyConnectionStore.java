package dev.cozegateway.application;

import dev.cozegateway.domain.Connection;
import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.TenantId;
import dev.cozegateway.domain.port.ConnectionStore;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** A connection store whose next writes fail as if the store were unreachable. Thread-safe. */
final class FlakyConnectionStore implements ConnectionStore {
  private final ConnectionStore store;
  private final AtomicInteger failingWrites = new AtomicInteger();
  private final AtomicInteger refused = new AtomicInteger();

  FlakyConnectionStore(ConnectionStore store) {
    this.store = store;
  }

  /** The next {@code writes} writes (put or replace) throw STORE_UNAVAILABLE. */
  void failNextWrites(int writes) {
    failingWrites.set(writes);
  }

  int refusedWrites() {
    return refused.get();
  }

  private void failIfDue() {
    if (failingWrites.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      refused.incrementAndGet();
      throw new GatewayException.Unavailable(
          Reason.STORE_UNAVAILABLE, "the store is unreachable (test)", Map.of(), null);
    }
  }

  @Override
  public Optional<Connection> find(ConnectionName name) {
    return store.find(name);
  }

  @Override
  public void put(Connection connection) {
    failIfDue();
    store.put(connection);
  }

  @Override
  public boolean replaceIfVersion(Connection updated, long expectedVersion) {
    failIfDue();
    return store.replaceIfVersion(updated, expectedVersion);
  }

  @Override
  public boolean delete(ConnectionName name) {
    return store.delete(name);
  }

  @Override
  public List<Connection> list(TenantId tenant, String afterConnectionId, int limit) {
    return store.list(tenant, afterConnectionId, limit);
  }

  @Override
  public void forEachConnection(Consumer<Connection> visitor) {
    store.forEachConnection(visitor);
  }
}
