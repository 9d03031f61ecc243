package dev.cozegateway.domain.testing;

import dev.cozegateway.domain.Connection;
import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.TenantId;
import dev.cozegateway.domain.port.ConnectionStore;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/** An in-memory {@link ConnectionStore} for tests. Thread-safe. */
public final class InMemoryConnectionStore implements ConnectionStore {
  private final ConcurrentSkipListMap<String, Connection> byName = new ConcurrentSkipListMap<>();

  @Override
  public Optional<Connection> find(ConnectionName name) {
    return Optional.ofNullable(byName.get(name.name()));
  }

  @Override
  public void put(Connection connection) {
    byName.put(connection.name().name(), connection);
  }

  @Override
  public boolean replaceIfVersion(Connection updated, long expectedVersion) {
    boolean[] written = {false};
    byName.computeIfPresent(
        updated.name().name(),
        (key, current) -> {
          if (current.version() != expectedVersion) {
            return current;
          }
          written[0] = true;
          return updated;
        });
    return written[0];
  }

  @Override
  public boolean delete(ConnectionName name) {
    return byName.remove(name.name()) != null;
  }

  @Override
  public List<Connection> list(TenantId tenant, String afterConnectionId, int limit) {
    String prefix = tenant.name() + "/connections/";
    String from = afterConnectionId == null ? prefix : prefix + afterConnectionId;
    return byName.tailMap(from, afterConnectionId == null).entrySet().stream()
        .takeWhile(e -> e.getKey().startsWith(prefix))
        .map(e -> e.getValue())
        .limit(limit)
        .toList();
  }
}
