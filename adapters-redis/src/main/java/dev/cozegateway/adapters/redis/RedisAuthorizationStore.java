package dev.cozegateway.adapters.redis;

import dev.cozegateway.domain.Authorization;
import dev.cozegateway.domain.AuthorizationName;
import dev.cozegateway.domain.AuthorizationState;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.TenantId;
import dev.cozegateway.domain.port.AuthorizationStore;
import dev.cozegateway.storerecords.StoredRecords;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authorizations in Redis (see {@link Keys} for the layout): one hash per authorization under the
 * tenant's hash tag, holding the record's JSON, its version (the field the compare-and-set
 * compares) and its member in the tenant's due index; a request-id entry beside it (tenant +
 * request id to authorization id); and a state entry (state hash to authorization name) in a slot
 * of its own, since a callback knows only the state.
 *
 * <p>Device polls: each tenant has a sorted set of its PENDING device authorizations, all with
 * score 0 and read by lex, whose members are {@link StoredRecords#sortableTime} of the next poll
 * time, then {@code :} and the authorization id, so that lex order is next poll time order to the
 * nanosecond, then id order. Create, update and replaceIfVersion each write the record and move its
 * member in the same script, so an authorization is in the set exactly while it is PENDING, under
 * its current next poll time. {@link #findDuePolls} spans tenants: it reads the set of
 * authorization tenants, which every write that gives an authorization a due member adds to before
 * its script (so a tenant with one is always in it; a tenant is never removed), and runs one script
 * per tenant. A member whose record expired while still PENDING is removed when that script meets
 * it.
 *
 * <p>A record written before authorizations were hashes is a string of JSON without a version: it
 * reads as version 0, and its next write replaces it with a hash. (A gateway of that older release
 * cannot read the hashes; upgrade every replica together.)
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
    String due = dueMember(authorization);
    registerTenantIfDue(name.tenant(), due);

    Object earlier =
        store.run(
            Scripts.CREATE_AUTHORIZATION,
            recordKeys(authorization),
            List.of(
                Long.toString(authorization.version()),
                StoredRecords.toJson(authorization),
                name.authorizationId(),
                expireMs,
                RETENTION_MS,
                keys.authorizationPrefix(name.tenant()),
                due));
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
    Object stored =
        store.run(Scripts.FIND_AUTHORIZATION, List.of(keys.authorization(name)), List.of());
    return Optional.ofNullable((String) stored).map(StoredRecords::authorizationFromJson);
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
    String due = dueMember(authorization);
    registerTenantIfDue(authorization.name().tenant(), due);
    store.run(
        Scripts.UPDATE_AUTHORIZATION,
        recordKeys(authorization),
        List.of(
            Long.toString(authorization.version()),
            StoredRecords.toJson(authorization),
            authorization.name().authorizationId(),
            Long.toString(authorization.expireTime().toEpochMilli()),
            RETENTION_MS,
            due));
  }

  /**
   * {@inheritDoc}
   *
   * <p>One script compares and writes, so of any number of concurrent callers with the same
   * expected version, one writes. A write moves the record's deadline as {@link #update} does.
   */
  @Override
  public boolean replaceIfVersion(Authorization updated, long expectedVersion) {
    String due = dueMember(updated);
    registerTenantIfDue(updated.name().tenant(), due);
    Object written =
        store.run(
            Scripts.REPLACE_AUTHORIZATION_IF_VERSION,
            recordKeys(updated),
            List.of(
                Long.toString(expectedVersion),
                Long.toString(updated.version()),
                StoredRecords.toJson(updated),
                updated.name().authorizationId(),
                Long.toString(updated.expireTime().toEpochMilli()),
                RETENTION_MS,
                due));
    return Long.valueOf(1).equals(written);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Reads each tenant's soonest {@code limit} due authorizations, one script call per tenant,
   * then keeps the soonest {@code limit} of them all. Each tenant's read is atomic; the whole is
   * not.
   */
  @Override
  public List<Authorization> findDuePolls(Instant now, int limit) {
    if (limit <= 0) {
      return List.of();
    }
    // Past every member whose time is now: ':' follows the time, and ';' sorts right after it.
    String to = "(" + StoredRecords.sortableTime(now) + ";";
    List<Authorization> due = new ArrayList<>();
    for (TenantId tenant : tenants()) {
      List<?> records =
          (List<?>)
              store.run(
                  Scripts.DUE_AUTHORIZATIONS,
                  List.of(keys.authorizationsDue(tenant)),
                  List.of(to, Integer.toString(limit), keys.authorizationPrefix(tenant)));
      records.forEach(json -> due.add(StoredRecords.authorizationFromJson((String) json)));
    }
    return due.stream()
        .sorted(
            Comparator.comparing((Authorization a) -> a.device().nextPollTime())
                .thenComparing(a -> a.name().name()))
        .limit(limit)
        .toList();
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

  /**
   * The keys of the write scripts: record, the tenant's due index, and the request-id key when the
   * authorization has a request id.
   */
  private List<String> recordKeys(Authorization authorization) {
    AuthorizationName name = authorization.name();
    String record = keys.authorization(name);
    String due = keys.authorizationsDue(name.tenant());
    return authorization.requestId().isEmpty()
        ? List.of(record, due)
        : List.of(record, due, keys.requestId(name.tenant(), authorization.requestId()));
  }

  /**
   * Adds the tenant to the set {@link #findDuePolls} starts from, before a write that gives one of
   * its authorizations a due member. Idempotent; a tenant is never removed.
   */
  private void registerTenantIfDue(TenantId tenant, String dueMember) {
    if (!dueMember.isEmpty()) {
      store.call(
          "register authorization tenant",
          redis -> redis.sadd(keys.authorizationTenants(), tenant.id()));
    }
  }

  private List<TenantId> tenants() {
    Set<String> ids =
        store.call(
            "list authorization tenants", redis -> redis.smembers(keys.authorizationTenants()));
    List<TenantId> tenants = new ArrayList<>(ids.size());
    for (String id : ids) {
      try {
        tenants.add(new TenantId(id));
      } catch (GatewayException e) {
        throw StoredRecords.corrupt("authorization tenant entry", e);
      }
    }
    return tenants;
  }

  /**
   * The member of a PENDING device authorization in its tenant's due index; '' for any other. The
   * time has a fixed width, so members order by next poll time, then by authorization id as Java
   * compares strings (ids are ASCII, and one that is a prefix of another sorts first, in both).
   */
  private static String dueMember(Authorization authorization) {
    if (!authorization.isDevice() || authorization.state() != AuthorizationState.PENDING) {
      return "";
    }
    return StoredRecords.sortableTime(authorization.device().nextPollTime())
        + ":"
        + authorization.name().authorizationId();
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
