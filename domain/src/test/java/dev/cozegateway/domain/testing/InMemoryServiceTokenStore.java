package dev.cozegateway.domain.testing;

import dev.cozegateway.domain.ServiceToken;
import dev.cozegateway.domain.ServiceTokenKey;
import dev.cozegateway.domain.port.ServiceTokenStore;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** An in-memory {@link ServiceTokenStore} for tests; counts writes. Thread-safe. */
public final class InMemoryServiceTokenStore implements ServiceTokenStore {
  private final Map<String, ServiceToken> byKey = new ConcurrentHashMap<>();
  private final AtomicInteger writes = new AtomicInteger();

  @Override
  public Optional<ServiceToken> find(ServiceTokenKey key) {
    return Optional.ofNullable(byKey.get(key.id()));
  }

  @Override
  public ServiceToken putIfFresher(ServiceToken token) {
    writes.incrementAndGet();
    return byKey.merge(
        token.key().id(),
        token,
        (stored, offered) -> offered.expireTime().isAfter(stored.expireTime()) ? offered : stored);
  }

  /** How many times {@link #putIfFresher} was called. */
  public int writes() {
    return writes.get();
  }
}
