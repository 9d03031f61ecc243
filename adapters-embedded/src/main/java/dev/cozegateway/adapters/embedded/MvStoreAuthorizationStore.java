package dev.cozegateway.adapters.embedded;

import dev.cozegateway.domain.Authorization;
import dev.cozegateway.domain.AuthorizationName;
import dev.cozegateway.domain.AuthorizationState;
import dev.cozegateway.domain.TenantId;
import dev.cozegateway.domain.port.AuthorizationStore;
import dev.cozegateway.storerecords.StoredRecords;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;

/**
 * Authorizations in the embedded store, keyed by resource name, with three indexes, each entry
 * naming its authorization:
 *
 * <pre>
 * authorization-state-index    {state hash, hex}                                 the one with it
 * authorization-request-index  tenants/acme/request-ids/{request id}             the one with it
 * authorization-poll-index     {next poll time}:tenants/acme/authorizations/{id} PENDING device ones
 * </pre>
 *
 * <p>The poll index's keys start with {@link StoredRecords#sortableTime}, so that its order is next
 * poll time order to the nanosecond, then name order, as {@link #findDuePolls} returns them. A
 * device authorization is in it exactly while it is PENDING, under its current next poll time;
 * every write that can change either (create, update, replaceIfVersion) moves its entry. A store
 * file written before device authorizations existed needs no migration: none of its records is a
 * device one, so the new index starts empty and correct.
 *
 * <p>Each write changes the record and every index entry it touches in one commit, under the
 * store's write lock, so a crash never leaves an index entry without its record, and each method is
 * atomic against every other write. Thread-safe.
 */
final class MvStoreAuthorizationStore implements AuthorizationStore {
  private final EmbeddedStore store;
  private final MVMap<String, byte[]> authorizations;
  private final MVMap<String, String> nameByStateHash;
  private final MVMap<String, String> nameByRequestId;
  private final MVMap<String, String> byNextPollTime;

  MvStoreAuthorizationStore(EmbeddedStore store) {
    this.store = Objects.requireNonNull(store, "store");
    this.authorizations = store.recordMap("authorizations");
    this.nameByStateHash = store.indexMap("authorization-state-index");
    this.nameByRequestId = store.indexMap("authorization-request-index");
    this.byNextPollTime = store.indexMap("authorization-poll-index");
  }

  @Override
  public Optional<Authorization> create(Authorization authorization) {
    byte[] value = StoredRecords.encode(authorization);
    String name = authorization.name().name();
    String requestKey =
        authorization.requestId().isEmpty()
            ? null
            : requestKey(authorization.name().tenant(), authorization.requestId());
    byte[] earlier =
        store.write(
            () -> {
              if (requestKey != null) {
                String earlierName = nameByRequestId.get(requestKey);
                byte[] stored = earlierName == null ? null : authorizations.get(earlierName);
                if (stored != null) {
                  return stored;
                }
              }
              // A create under a name already stored (a retry without a request id) replaces it.
              unindexPoll(authorizations.put(name, value));
              indexPoll(authorization);
              nameByStateHash.put(stateKey(authorization.stateHash()), name);
              if (requestKey != null) {
                nameByRequestId.put(requestKey, name);
              }
              return null;
            });
    return Optional.ofNullable(earlier).map(StoredRecords::decodeAuthorization);
  }

  @Override
  public Optional<Authorization> find(AuthorizationName name) {
    return Optional.ofNullable(store.read(() -> authorizations.get(name.name())))
        .map(StoredRecords::decodeAuthorization);
  }

  @Override
  public Optional<Authorization> consumeState(byte[] stateHash) {
    String key = stateKey(stateHash);
    // Removing the index entry under the write lock, and committing it, is what makes a state
    // single-use across threads and across a crash.
    byte[] consumed =
        store.write(
            () -> {
              String name = nameByStateHash.remove(key);
              return name == null ? null : authorizations.get(name);
            });
    return Optional.ofNullable(consumed).map(StoredRecords::decodeAuthorization);
  }

  @Override
  public void update(Authorization authorization) {
    byte[] value = StoredRecords.encode(authorization);
    store.write(
        () -> {
          unindexPoll(authorizations.put(authorization.name().name(), value));
          indexPoll(authorization);
          return null;
        });
  }

  @Override
  public boolean replaceIfVersion(Authorization updated, long expectedVersion) {
    byte[] value = StoredRecords.encode(updated);
    String name = updated.name().name();
    // The write lock makes this compare-and-set atomic against every other write. The state and
    // request id entries stay as create wrote them: both are fixed when an authorization starts.
    return store.write(
        () -> {
          byte[] stored = authorizations.get(name);
          if (stored == null
              || StoredRecords.decodeAuthorization(stored).version() != expectedVersion) {
            return false;
          }
          unindexPoll(stored);
          authorizations.put(name, value);
          indexPoll(updated);
          return true;
        });
  }

  @Override
  public List<Authorization> findDuePolls(Instant now, int limit) {
    if (limit <= 0) {
      return List.of();
    }
    String last = StoredRecords.sortableTime(now);
    List<Authorization> due =
        store.read(
            () -> {
              List<Authorization> found = new ArrayList<>();
              Cursor<String, String> cursor = byNextPollTime.cursor(null);
              while (found.size() < limit && cursor.hasNext()) {
                String key = cursor.next();
                if (key.substring(0, StoredRecords.SORTABLE_TIME_LENGTH).compareTo(last) > 0) {
                  break;
                }
                byte[] stored = authorizations.get(cursor.getValue());
                if (stored != null) {
                  found.add(StoredRecords.decodeAuthorization(stored));
                }
              }
              return found;
            });
    // Reads take no lock: an authorization replaced while this read is checked against what it
    // holds now.
    return due.stream()
        .filter(a -> isPolled(a) && !a.device().nextPollTime().isAfter(now))
        .sorted(
            Comparator.comparing((Authorization a) -> a.device().nextPollTime())
                .thenComparing(a -> a.name().name()))
        .toList();
  }

  @Override
  public Optional<Authorization> findByRequestId(TenantId tenant, String requestId) {
    if (requestId.isEmpty()) {
      return Optional.empty();
    }
    byte[] stored =
        store.read(
            () -> {
              String name = nameByRequestId.get(requestKey(tenant, requestId));
              return name == null ? null : authorizations.get(name);
            });
    return Optional.ofNullable(stored).map(StoredRecords::decodeAuthorization);
  }

  /** Adds the poll index entry of {@code authorization}, if it has one; under the write lock. */
  private void indexPoll(Authorization authorization) {
    if (isPolled(authorization)) {
      byNextPollTime.put(pollKey(authorization), authorization.name().name());
    }
  }

  /** Removes the poll index entry of the stored record, if any; under the write lock. */
  private void unindexPoll(byte[] stored) {
    if (stored != null) {
      Authorization previous = StoredRecords.decodeAuthorization(stored);
      if (isPolled(previous)) {
        byNextPollTime.remove(pollKey(previous));
      }
    }
  }

  /** Whether the gateway polls Coze for it: a device authorization still PENDING. */
  private static boolean isPolled(Authorization authorization) {
    return authorization.isDevice() && authorization.state() == AuthorizationState.PENDING;
  }

  // The time has a fixed width, so keys order by time, then by name as Java compares strings.
  private static String pollKey(Authorization authorization) {
    return StoredRecords.sortableTime(authorization.device().nextPollTime())
        + ":"
        + authorization.name().name();
  }

  private static String stateKey(byte[] stateHash) {
    return HexFormat.of().formatHex(stateHash);
  }

  // Request ids are the caller's free text; they only ever follow the fixed prefix.
  private static String requestKey(TenantId tenant, String requestId) {
    return tenant.name() + "/request-ids/" + requestId;
  }
}
