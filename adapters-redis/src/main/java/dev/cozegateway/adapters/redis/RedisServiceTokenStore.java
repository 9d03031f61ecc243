package dev.cozegateway.adapters.redis;

import dev.cozegateway.domain.ServiceToken;
import dev.cozegateway.domain.ServiceTokenKey;
import dev.cozegateway.domain.port.ServiceTokenStore;
import dev.cozegateway.storerecords.StoredRecords;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * JWT service apps' tokens in Redis: one hash per token key, named by {@link ServiceTokenKey#id()}
 * (a hash: session names never appear in a key), holding the record's JSON and, beside it, its
 * expire time as a {@link StoredRecords#sortableTime} (the field {@link #putIfFresher} compares).
 * The key expires when the token does, on the Redis server's clock (PEXPIREAT), so Redis drops
 * expired tokens by itself.
 *
 * <p>Each write is one single-key script (see {@link Scripts#PUT_SERVICE_TOKEN_IF_FRESHER}), so it
 * needs no hash tag, and its tokens spread over a cluster's slots. Writes never wait for replicas,
 * even with {@link RedisStoreConfig#withWaitForReplicas}: a token a failover loses is minted again.
 * Thread-safe.
 */
final class RedisServiceTokenStore implements ServiceTokenStore {
  private final RedisStore store;
  private final Keys keys;

  RedisServiceTokenStore(RedisStore store) {
    this.store = Objects.requireNonNull(store, "store");
    this.keys = store.keys();
  }

  @Override
  public Optional<ServiceToken> find(ServiceTokenKey key) {
    String redisKey = keys.serviceToken(key);
    String stored = store.call("find service token", redis -> redis.hget(redisKey, "record"));
    return Optional.ofNullable(stored).map(StoredRecords::serviceTokenFromJson);
  }

  @Override
  public ServiceToken putIfFresher(ServiceToken token) {
    Object stored =
        store.run(
            Scripts.PUT_SERVICE_TOKEN_IF_FRESHER,
            List.of(keys.serviceToken(token.key())),
            List.of(
                StoredRecords.sortableTime(token.expireTime()),
                StoredRecords.toJson(token),
                Long.toString(epochMillisRoundedUp(token.expireTime()))));
    return stored == null ? token : StoredRecords.serviceTokenFromJson((String) stored);
  }

  /** Never before the token expires: Redis keeps it to the end of the millisecond. */
  private static long epochMillisRoundedUp(Instant instant) {
    long millis = instant.toEpochMilli();
    return instant.getNano() % 1_000_000 == 0 ? millis : millis + 1;
  }
}
