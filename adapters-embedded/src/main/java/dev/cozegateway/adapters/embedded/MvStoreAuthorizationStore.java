package dev.cozegateway.adapters.embedded;

import dev.cozegateway.domain.Authorization;
import dev.cozegateway.domain.AuthorizationName;
import dev.cozegateway.domain.TenantId;
import dev.cozegateway.domain.port.AuthorizationStore;
import dev.cozegateway.storerecords.StoredRecords;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import org.h2.mvstore.MVMap;

/**
 * Authorizations in the embedded store, keyed by resource name, with two indexes: state hash (hex)
 * to name, and tenant plus request id to name. A create writes the record and both index entries in
 * one commit, so a crash never leaves an index pointing at nothing. Thread-safe.
 */
final class MvStoreAuthorizationStore implements AuthorizationStore {
  private final EmbeddedStore store;
  private final MVMap<String, byte[]> authorizations;
  private final MVMap<String, String> nameByStateHash;
  private final MVMap<String, String> nameByRequestId;

  MvStoreAuthorizationStore(EmbeddedStore store) {
    this.store = Objects.requireNonNull(store, "store");
    this.authorizations = store.recordMap("authorizations");
    this.nameByStateHash = store.indexMap("authorization-state-index");
    this.nameByRequestId = store.indexMap("authorization-request-index");
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
              authorizations.put(name, value);
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
    store.write(() -> authorizations.put(authorization.name().name(), value));
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

  private static String stateKey(byte[] stateHash) {
    return HexFormat.of().formatHex(stateHash);
  }

  // Request ids are the caller's free text; they only ever follow the fixed prefix.
  private static String requestKey(TenantId tenant, String requestId) {
    return tenant.name() + "/request-ids/" + requestId;
  }
}
