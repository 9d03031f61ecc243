package dev.cozegateway.adapters.redis;

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
import java.util.function.Predicate;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;

/**
 * Connections in Redis: one hash per connection, holding the record's JSON and, beside it, its
 * version (the field the compare-and-set compares), plus one sorted set per tenant of connection
 * ids, all with score 0, so that ZRANGEBYLEX lists them in id order. A record and its tenant's
 * index share the tenant's hash tag, and every write changes both in one Lua script (see {@link
 * Scripts}). Connections never expire.
 *
 * <p>With {@link RedisStoreConfig#withWaitForReplicas} set, {@link #put} and a {@link
 * #replaceIfVersion} that wrote return only once the configured number of replicas acknowledged the
 * write ({@code WAIT}, on the connection that wrote), and fail with {@code STORE_UNAVAILABLE}
 * otherwise, though the write is applied: so the new token pair of a refresh is persisted, and
 * acknowledged by a replica where one exists, before any caller gets the new access token (see
 * {@link RedisStore}). Thread-safe.
 */
final class RedisConnectionStore implements ConnectionStore {
  /** How many keys {@link #forEachConnection} asks each SCAN for, and reads in one round trip. */
  static final int VISIT_BATCH = 200;

  /** Whether a compare-and-set script's reply says it wrote. */
  private static final Predicate<Object> WROTE = reply -> Long.valueOf(1).equals(reply);

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
    return Optional.ofNullable(stored).map(StoredRecords::connectionFromJson);
  }

  @Override
  public void put(Connection connection) {
    store.runAcknowledged(
        Scripts.PUT_CONNECTION,
        keysOf(connection.name()),
        List.of(
            Long.toString(connection.version()),
            StoredRecords.toJson(connection),
            connection.name().connectionId()),
        reply -> true);
  }

  @Override
  public boolean replaceIfVersion(Connection updated, long expectedVersion) {
    Object written =
        store.runAcknowledged(
            Scripts.REPLACE_CONNECTION_IF_VERSION,
            keysOf(updated.name()),
            List.of(
                Long.toString(expectedVersion),
                Long.toString(updated.version()),
                StoredRecords.toJson(updated),
                updated.name().connectionId()),
            WROTE);
    return WROTE.test(written);
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
    return ((List<?>) page)
        .stream().map(json -> StoredRecords.connectionFromJson((String) json)).toList();
  }

  /**
   * {@inheritDoc}
   *
   * <p>SCANs every master (in a cluster, each node's share of the slots) for record keys, {@link
   * #VISIT_BATCH} at a time, and reads each batch's records in one pipelined round trip; a record
   * deleted since SCAN returned its key is skipped. Each connection is passed as it was when its
   * batch was read, and no Redis connection is held while the visitor runs.
   *
   * <p>SCAN's guarantee is what makes "every connection that exists throughout is seen": it holds
   * on one server whatever the visitor writes, but not across a Sentinel failover (the scan goes on
   * on the new master with the old one's cursor) or a cluster resharding during the visit, which
   * may skip a few; run the visit again after one. Fails with {@code STORE_UNAVAILABLE} if Redis
   * fails on the way, and with {@code DATA_CORRUPT} at a record it cannot read; the visitor's own
   * exceptions end the visit and propagate as they are.
   */
  @Override
  public void forEachConnection(Consumer<Connection> visitor) {
    Objects.requireNonNull(visitor, "visitor");
    store.scan(
        "visit connections",
        keys.everyConnectionPattern(),
        VISIT_BATCH,
        batch -> {
          List<String> recordKeys = batch.stream().filter(keys::isConnection).toList();
          for (String json : store.call("visit connections", redis -> read(redis, recordKeys))) {
            if (json != null) {
              visitor.accept(StoredRecords.connectionFromJson(json));
            }
          }
        });
  }

  /** The records under the given keys ({@code null} where gone), in one round trip. */
  private static List<String> read(UnifiedJedis redis, List<String> recordKeys) {
    if (recordKeys.isEmpty()) {
      return List.of();
    }
    List<Response<String>> replies = new ArrayList<>(recordKeys.size());
    try (AbstractPipeline pipeline = redis.pipelined()) {
      for (String key : recordKeys) {
        replies.add(pipeline.hget(key, "record"));
      }
      pipeline.sync();
    }
    List<String> records = new ArrayList<>(replies.size());
    replies.forEach(reply -> records.add(reply.get()));
    return records;
  }

  private List<String> keysOf(ConnectionName name) {
    return List.of(keys.connection(name), keys.connectionIndex(name.tenant()));
  }
}
