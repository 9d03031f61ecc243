package dev.cozegateway.adapters.embedded;

import dev.cozegateway.domain.Connection;
import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.TenantId;
import dev.cozegateway.domain.port.ConnectionStore;
import dev.cozegateway.storerecords.StoredRecords;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;

/**
 * Connections in the embedded store, keyed by resource name ({@code
 * tenants/{tenant}/connections/{connection}}), so that a tenant's connections are one key range in
 * connection-id order. Thread-safe.
 */
final class MvStoreConnectionStore implements ConnectionStore {
  private static final int SCAN_PAGE = 256;

  private final EmbeddedStore store;
  private final MVMap<String, byte[]> connections;

  MvStoreConnectionStore(EmbeddedStore store) {
    this.store = Objects.requireNonNull(store, "store");
    this.connections = store.recordMap("connections");
  }

  @Override
  public Optional<Connection> find(ConnectionName name) {
    byte[] stored = store.read(() -> connections.get(name.name()));
    return Optional.ofNullable(stored).map(StoredRecords::decodeConnection);
  }

  @Override
  public void put(Connection connection) {
    byte[] value = StoredRecords.encode(connection);
    store.write(() -> connections.put(connection.name().name(), value));
  }

  @Override
  public boolean replaceIfVersion(Connection updated, long expectedVersion) {
    byte[] value = StoredRecords.encode(updated);
    String key = updated.name().name();
    // The write lock makes this compare-and-set atomic against every other write.
    return store.write(
        () -> {
          byte[] current = connections.get(key);
          if (current == null
              || StoredRecords.decodeConnection(current).version() != expectedVersion) {
            return false;
          }
          connections.put(key, value);
          return true;
        });
  }

  @Override
  public boolean delete(ConnectionName name) {
    return store.write(() -> connections.remove(name.name()) != null);
  }

  @Override
  public List<Connection> list(TenantId tenant, String afterConnectionId, int limit) {
    if (limit <= 0) {
      return List.of();
    }
    String prefix = tenant.name() + "/connections/";
    String from = afterConnectionId == null ? prefix : prefix + afterConnectionId;
    List<byte[]> page =
        store.read(
            () -> {
              List<byte[]> found = new ArrayList<>();
              Cursor<String, byte[]> cursor = connections.cursor(from);
              while (found.size() < limit && cursor.hasNext()) {
                String key = cursor.next();
                if (!key.startsWith(prefix)) {
                  break;
                }
                if (afterConnectionId == null || !key.equals(from)) {
                  found.add(cursor.getValue());
                }
              }
              return found;
            });
    return page.stream().map(StoredRecords::decodeConnection).toList();
  }

  @Override
  public void forEachConnection(Consumer<Connection> visitor) {
    // A page of keys at a time, each record read fresh, so the visitor may write meanwhile.
    String after = null;
    while (true) {
      String from = after;
      List<String> keys =
          store.read(
              () -> {
                List<String> page = new ArrayList<>();
                Cursor<String, byte[]> cursor = connections.cursor(from);
                while (page.size() < SCAN_PAGE && cursor.hasNext()) {
                  String key = cursor.next();
                  if (!key.equals(from)) {
                    page.add(key);
                  }
                }
                return page;
              });
      if (keys.isEmpty()) {
        return;
      }
      for (String key : keys) {
        byte[] value = store.read(() -> connections.get(key));
        if (value != null) {
          visitor.accept(StoredRecords.decodeConnection(value));
        }
      }
      after = keys.get(keys.size() - 1);
    }
  }
}
