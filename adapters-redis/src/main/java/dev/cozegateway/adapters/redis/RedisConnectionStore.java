package dev.cozegateway.adapters.redis;

import dev.cozegateway.domain.Connection;
import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.TenantId;
import dev.cozegateway.domain.port.ConnectionStore;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Connections in Redis: one hash per connection, holding the record's JSON and, beside it, its
 * version (the field the compare-and-set compares), plus one sorted set per tenant of connection
 * ids, all with score 0, so that ZRANGEBYLEX lists them in id order. A record and its tenant's
 * index share the tenant's hash tag, and every write changes both in one Lua script (see {@link
 * Scripts}). Connections never expire. Thread-safe.
 */
final class RedisConnectionStore implements ConnectionStore {
  private final RedisStore store;
  private final Keys keys;

  RedisConnectionStore(RedisStore store) {
    this.store = Objects.requireNonNull(store, "store");
    this.keys = store.keys();
  }

  @Override
  public Optional<Connection> find(ConnectionName name) {
    String key = keys.connection(name);
    String stored = store.call("find connection", redis -> redis.hget(key, "record"));
    return Optional.ofNullable(stored).map(Records::decodeConnection);
  }

  @Override
  public void put(Connection connection) {
    store.run(
        Scripts.PUT_CONNECTION,
        keysOf(connection.name()),
        List.of(
            Long.toString(connection.version()),
            Records.encode(connection),
            connection.name().connectionId()));
  }

  @Override
  public boolean replaceIfVersion(Connection updated, long expectedVersion) {
    Object written =
        store.run(
            Scripts.REPLACE_CONNECTION_IF_VERSION,
            keysOf(updated.name()),
            List.of(
                Long.toString(expectedVersion),
                Long.toString(updated.version()),
                Records.encode(updated),
                updated.name().connectionId()));
    return Long.valueOf(1).equals(written);
  }

  @Override
  public boolean delete(ConnectionName name) {
    Object existed =
        store.run(Scripts.DELETE_CONNECTION, keysOf(name), List.of(name.connectionId()));
    return Long.valueOf(1).equals(existed);
  }

  @Override
  public List<Connection> list(TenantId tenant, String afterConnectionId, int limit) {
    if (limit <= 0) {
      return List.of();
    }
    // Ids are [a-z0-9-], so '(' + id is always a valid exclusive ZRANGEBYLEX bound.
    String from = afterConnectionId == null ? "-" : "(" + afterConnectionId;
    Object page =
        store.run(
            Scripts.LIST_CONNECTIONS,
            List.of(keys.connectionIndex(tenant)),
            List.of(from, Integer.toString(limit), keys.connectionPrefix(tenant)));
    return ((List<?>) page).stream().map(json -> Records.decodeConnection((String) json)).toList();
  }

  private List<String> keysOf(ConnectionName name) {
    return List.of(keys.connection(name), keys.connectionIndex(name.tenant()));
  }
}
