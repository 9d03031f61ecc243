package dev.cozegateway.domain.testing;

import dev.cozegateway.domain.Connection;
import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.TenantId;
import dev.cozegateway.domain.port.ConnectionStore;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Consumer;

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
    // ConcurrentSkipListMap re-runs the function when its compare-and-set loses a race, so only
    // the run that was finally applied may decide the answer: each run overwrites the flag, and a
    // null result means the connection vanished meanwhile.
    boolean[] written = {false};
    Connection result =
        byName.computeIfPresent(
            updated.name().name(),
            (key, current) -> {
              written[0] = current.version() == expectedVersion;
              return written[0] ? updated : current;
            });
    return result != null && written[0];
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

  @Override
  public void forEachConnection(Consumer<Connection> visitor) {
    List.copyOf(byName.values()).forEach(visitor);
  }
}
