package dev.cozegateway.domain.testing;

import dev.cozegateway.domain.Authorization;
import dev.cozegateway.domain.AuthorizationName;
import dev.cozegateway.domain.AuthorizationState;
import dev.cozegateway.domain.TenantId;
import dev.cozegateway.domain.port.AuthorizationStore;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** An in-memory {@link AuthorizationStore} for tests. Thread-safe. */
public final class InMemoryAuthorizationStore implements AuthorizationStore {
  private final Map<String, Authorization> byName = new ConcurrentHashMap<>();
  private final Map<String, String> nameByStateHash = new ConcurrentHashMap<>();
  private final Map<String, String> nameByRequestId = new ConcurrentHashMap<>();

  @Override
  public synchronized Optional<Authorization> create(Authorization authorization) {
    if (!authorization.requestId().isEmpty()) {
      String key = requestKey(authorization.name().tenant(), authorization.requestId());
      String existing = nameByRequestId.get(key);
      if (existing != null) {
        return Optional.of(byName.get(existing));
      }
      nameByRequestId.put(key, authorization.name().name());
    }
    byName.put(authorization.name().name(), authorization);
    nameByStateHash.put(
        HexFormat.of().formatHex(authorization.stateHash()), authorization.name().name());
    return Optional.empty();
  }

  @Override
  public Optional<Authorization> find(AuthorizationName name) {
    return Optional.ofNullable(byName.get(name.name()));
  }

  @Override
  public Optional<Authorization> consumeState(byte[] stateHash) {
    String name = nameByStateHash.remove(HexFormat.of().formatHex(stateHash));
    return name == null ? Optional.empty() : Optional.ofNullable(byName.get(name));
  }

  @Override
  public synchronized void update(Authorization authorization) {
    byName.put(authorization.name().name(), authorization);
  }

  @Override
  public synchronized boolean replaceIfVersion(Authorization updated, long expectedVersion) {
    Authorization current = byName.get(updated.name().name());
    if (current == null || current.version() != expectedVersion) {
      return false;
    }
    byName.put(updated.name().name(), updated);
    return true;
  }

  @Override
  public synchronized List<Authorization> findDuePolls(Instant now, int limit) {
    if (limit <= 0) {
      return List.of();
    }
    return byName.values().stream()
        .filter(a -> a.state() == AuthorizationState.PENDING && a.isDevice())
        .filter(a -> !a.device().nextPollTime().isAfter(now))
        .sorted(
            Comparator.comparing((Authorization a) -> a.device().nextPollTime())
                .thenComparing(a -> a.name().name()))
        .limit(limit)
        .toList();
  }

  @Override
  public Optional<Authorization> findByRequestId(TenantId tenant, String requestId) {
    return Optional.ofNullable(nameByRequestId.get(requestKey(tenant, requestId))).map(byName::get);
  }

  private static String requestKey(TenantId tenant, String requestId) {
    return tenant.id() + "\n" + requestId;
  }
}
