package dev.cozegateway.adapters.embedded;

import dev.cozegateway.domain.ServiceToken;
import dev.cozegateway.domain.ServiceTokenKey;
import dev.cozegateway.domain.port.ServiceTokenStore;
import dev.cozegateway.storerecords.StoredRecords;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;

/**
 * JWT service apps' tokens in the embedded store, keyed by {@link ServiceTokenKey#id()} (a hash:
 * session names never appear in a key), with an index by expire time:
 *
 * <pre>
 * service-tokens              {key id}                      the token's record
 * service-token-expiry-index  {expire time}:{key id}        the key id
 * </pre>
 *
 * <p>The index's keys start with {@link StoredRecords#sortableTime}, so that its order is expire
 * time order. Each {@link #putIfFresher} also drops a few tokens that expired more than {@link
 * #DROP_AFTER} ago, the oldest first, in the same commit: tokens of session names never asked for
 * again would otherwise stay forever. That costs a short walk from the start of the index, and
 * nothing when there is nothing to drop. The margin leaves a token that has just expired readable,
 * for the callers that judge its expiry themselves.
 *
 * <p>Each write changes the record and its index entry in one commit, under the store's write lock,
 * so {@link #putIfFresher} is atomic against every other write. Thread-safe.
 */
final class MvStoreServiceTokenStore implements ServiceTokenStore {
  /** How long after it expired a token may be dropped. */
  static final Duration DROP_AFTER = Duration.ofHours(1);

  /** At most how many expired tokens one write drops. */
  static final int DROP_BATCH = 16;

  private final EmbeddedStore store;
  private final InstantSource clock;
  private final MVMap<String, byte[]> tokens;
  private final MVMap<String, String> byExpireTime;

  MvStoreServiceTokenStore(EmbeddedStore store, InstantSource clock) {
    this.store = Objects.requireNonNull(store, "store");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.tokens = store.recordMap("service-tokens");
    this.byExpireTime = store.indexMap("service-token-expiry-index");
  }

  @Override
  public Optional<ServiceToken> find(ServiceTokenKey key) {
    String id = key.id();
    byte[] stored = store.read(() -> tokens.get(id));
    return Optional.ofNullable(stored).map(StoredRecords::decodeServiceToken);
  }

  @Override
  public ServiceToken putIfFresher(ServiceToken token) {
    byte[] value = StoredRecords.encode(token);
    String id = token.key().id();
    String dropBefore = StoredRecords.sortableTime(clock.instant().minus(DROP_AFTER));
    // The write lock makes the compare and the write one step against every other write.
    return store.write(
        () -> {
          dropExpired(dropBefore);
          byte[] current = tokens.get(id);
          if (current != null) {
            ServiceToken stored = StoredRecords.decodeServiceToken(current);
            if (!token.expireTime().isAfter(stored.expireTime())) {
              return stored;
            }
            byExpireTime.remove(indexKey(stored.expireTime(), id));
          }
          tokens.put(id, value);
          byExpireTime.put(indexKey(token.expireTime(), id), id);
          return token;
        });
  }

  /** Drops up to {@link #DROP_BATCH} tokens that expired before the bound. Under the write lock. */
  private void dropExpired(String before) {
    List<String> expired = new ArrayList<>();
    Cursor<String, String> cursor = byExpireTime.cursor(null);
    while (expired.size() < DROP_BATCH && cursor.hasNext()) {
      String indexKey = cursor.next();
      if (indexKey.compareTo(before) >= 0) {
        break;
      }
      expired.add(indexKey);
    }
    for (String indexKey : expired) {
      tokens.remove(byExpireTime.remove(indexKey));
    }
  }

  private static String indexKey(Instant expireTime, String id) {
    return StoredRecords.sortableTime(expireTime) + ":" + id;
  }
}
