package dev.cozegateway.adapters.redis;

import dev.cozegateway.domain.Authorization;
import dev.cozegateway.domain.AuthorizationName;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.TenantId;
import dev.cozegateway.domain.port.AuthorizationStore;
import dev.cozegateway.storerecords.StoredRecords;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authorizations in Redis: the record (JSON) under the tenant's hash tag, a request-id entry beside
 * it (tenant + request id to authorization id), and a state entry (state hash to authorization
 * name) in a slot of its own, since a callback knows only the state.
 *
 * <p>Lifetime: the record and its request-id entry are written with one deadline, {@link
 * #RETENTION} past the later of the server's clock and the authorization's expiry; {@link #update}
 * moves both to a day past the later of then and the expiry. So a terminal authorization stays
 * readable (GetAuthorization, idempotent retries) for a day after it ends, and Redis drops it after
 * that without a sweeper. The state entry gets the same deadline when created.
 *
 * <p>Consistency without a cross-slot transaction: the state entry is written <em>before</em> the
 * record, so a record is never stored without its state entry. A state entry whose record was never
 * stored (a create that failed, or lost to an earlier request id) names a record that does not
 * exist, so consuming it returns empty, as for an unknown state; it is removed on the losing path
 * and expires anyway.
 *
 * <p>Its writes never WAIT for replicas, even with {@link RedisStoreConfig#withWaitForReplicas}
 * set: an authorization can be started again, so one that a failover loses costs its user a new
 * authorization, not a connection. The connection it leads to is written by {@link
 * RedisConnectionStore}, which does wait. Thread-safe.
 */
final class RedisAuthorizationStore implements AuthorizationStore {
  /**
   * How long an authorization stays after it expires (or, if later, after its last write). A day:
   * long enough for a caller to read a terminal state and for request-id retries, short enough that
   * the store does not grow with traffic.
   */
  static final Duration RETENTION = Duration.ofDays(1);

  private static final Logger log = LoggerFactory.getLogger(RedisAuthorizationStore.class);
  private static final String RETENTION_MS = Long.toString(RETENTION.toMillis());

  private final RedisStore store;
  private final Keys keys;

  RedisAuthorizationStore(RedisStore store) {
    this.store = Objects.requireNonNull(store, "store");
    this.keys = store.keys();
  }

  @Override
  public Optional<Authorization> create(Authorization authorization) {
    AuthorizationName name = authorization.name();
    String stateKey = keys.state(authorization.stateHash());
    String expireMs = Long.toString(authorization.expireTime().toEpochMilli());
    store.run(Scripts.INDEX_STATE, List.of(stateKey), List.of(name.name(), expireMs, RETENTION_MS));

    Object earlier =
        store.run(
            Scripts.CREATE_AUTHORIZATION,
            recordKeys(authorization),
            List.of(
                StoredRecords.toJson(authorization),
                name.authorizationId(),
                expireMs,
                RETENTION_MS,
                keys.authorizationPrefix(name.tenant())));
    if (earlier == null) {
      return Optional.empty();
    }
    Authorization first = StoredRecords.authorizationFromJson((String) earlier);
    // A retry of this very create finds itself: its state entry is the live one and must stay.
    if (!Arrays.equals(first.stateHash(), authorization.stateHash())) {
      releaseState(stateKey, name);
    }
    return Optional.of(first);
  }

  @Override
  public Optional<Authorization> find(AuthorizationName name) {
    String key = keys.authorization(name);
    String stored = store.call("find authorization", redis -> redis.get(key));
    return Optional.ofNullable(stored).map(StoredRecords::authorizationFromJson);
  }

  @Override
  public Optional<Authorization> consumeState(byte[] stateHash) {
    String stateKey = keys.state(stateHash);
    // GETDEL is the single-use guarantee: of any number of concurrent callers, one gets the name.
    // If reading the record then fails, that caller sees STORE_UNAVAILABLE and the state is spent:
    // the end user starts a new authorization, the same outcome as for a used state.
    String named = store.call("consume state", redis -> redis.getDel(stateKey));
    if (named == null) {
      return Optional.empty();
    }
    AuthorizationName name;
    try {
      name = AuthorizationName.parse(named, "name");
    } catch (GatewayException e) {
      throw StoredRecords.corrupt("state index entry", e);
    }
    return find(name);
  }

  @Override
  public void update(Authorization authorization) {
    store.run(
        Scripts.UPDATE_AUTHORIZATION,
        recordKeys(authorization),
        List.of(
            StoredRecords.toJson(authorization),
            authorization.name().authorizationId(),
            Long.toString(authorization.expireTime().toEpochMilli()),
            RETENTION_MS));
  }

  @Override
  public Optional<Authorization> findByRequestId(TenantId tenant, String requestId) {
    if (requestId.isEmpty()) {
      return Optional.empty();
    }
    Object stored =
        store.run(
            Scripts.AUTHORIZATION_BY_REQUEST_ID,
            List.of(keys.requestId(tenant, requestId)),
            List.of(keys.authorizationPrefix(tenant)));
    return Optional.ofNullable((String) stored).map(StoredRecords::authorizationFromJson);
  }

  /** The record key, and the request-id key when the authorization has a request id. */
  private List<String> recordKeys(Authorization authorization) {
    String record = keys.authorization(authorization.name());
    return authorization.requestId().isEmpty()
        ? List.of(record)
        : List.of(record, keys.requestId(authorization.name().tenant(), authorization.requestId()));
  }

  /**
   * Removes the state entry of an authorization that was not stored. Best effort: the create has
   * its answer already, and an entry left behind names no record and expires.
   */
  private void releaseState(String stateKey, AuthorizationName name) {
    try {
      store.run(Scripts.UNINDEX_STATE, List.of(stateKey), List.of(name.name()));
    } catch (GatewayException.Unavailable e) {
      log.warn("Could not remove the unused state entry of {}; it will expire", name);
    }
  }
}
