package dev.cozegateway.adapters.redis;

import static dev.cozegateway.adapters.redis.StoreAssertions.assertStoreUnavailable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.ServiceToken;
import dev.cozegateway.domain.ServiceTokenKey;
import dev.cozegateway.domain.contract.ServiceTokenStoreContract;
import dev.cozegateway.domain.port.ServiceTokenStore;
import dev.cozegateway.storerecords.StoredRecords;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

class RedisServiceTokenStoreTest extends ServiceTokenStoreContract {
  private static final String SESSION = "alice@example.com ☃";

  @RegisterExtension static final RedisServerExtension redis = RedisServerExtension.plain();

  @RegisterExtension final OpenedStores stores = new OpenedStores();

  @Override
  protected ServiceTokenStore store() {
    return new RedisServiceTokenStore(stores.open(redis.config()));
  }

  @Test
  void oneHashPerTokenKeyNamedByTheKeyIdAndExpiringWithTheToken() {
    RedisStoreConfig config = redis.config();
    String p = config.keyPrefix();
    RedisServiceTokenStore tokens = new RedisServiceTokenStore(stores.open(config));
    ServiceTokenKey key = key("jwt-app", SESSION, "{\"scope\":1}");
    ServiceToken first = token(key, EXPIRES, "first");
    ServiceToken fresher = token(key, EXPIRES.plusNanos(1), "fresher");

    tokens.putIfFresher(first);
    tokens.putIfFresher(fresher);

    try (Jedis raw = redis.raw()) {
      String stored = p + "svc-token:" + key.id();
      assertThat(raw.keys(p + "*")).containsExactly(stored);
      assertThat(key.id()).matches("[0-9a-f]{64}");
      assertThat(raw.hgetAll(stored))
          .containsOnly(
              Map.entry("expire", StoredRecords.sortableTime(EXPIRES.plusNanos(1))),
              Map.entry("record", StoredRecords.toJson(fresher)));
      // 10:15:30.123456790 is kept to the end of its millisecond.
      assertThat(raw.pexpireTime(stored))
          .isEqualTo(EXPIRES.truncatedTo(ChronoUnit.MILLIS).toEpochMilli() + 1);
    }
  }

  @Test
  void aTokenExpiringOnAWholeMillisecondExpiresOnIt() {
    RedisStoreConfig config = redis.config();
    RedisServiceTokenStore tokens = new RedisServiceTokenStore(stores.open(config));
    Instant whole = Instant.parse("2100-01-01T00:00:00.123Z");
    ServiceToken token = token(key("jwt-app", "", ""), whole, "t");

    tokens.putIfFresher(token);

    try (Jedis raw = redis.raw()) {
      String stored = config.keyPrefix() + "svc-token:" + token.key().id();
      assertThat(raw.pexpireTime(stored)).isEqualTo(whole.toEpochMilli());
    }
  }

  @Test
  void redisDropsATokenWhenItExpires() {
    RedisStoreConfig config = redis.config();
    RedisServiceTokenStore tokens = new RedisServiceTokenStore(stores.open(config));
    ServiceTokenKey key = key("jwt-app", SESSION, "");
    ServiceToken expiring = token(key, Instant.now().plusMillis(500), "expiring");

    assertThat(tokens.putIfFresher(expiring)).isEqualTo(expiring);

    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> tokens.find(key).isEmpty());
    try (Jedis raw = redis.raw()) {
      assertThat(raw.keys(config.keyPrefix() + "*")).isEmpty();
    }
    ServiceToken staler = token(key, Instant.now().plusSeconds(60), "minted after");
    assertThat(tokens.putIfFresher(staler)).isEqualTo(staler);
    assertThat(tokens.find(key)).contains(staler);
  }

  @Test
  void aTokenThatHasAlreadyExpiredIsNotKept() {
    RedisStoreConfig config = redis.config();
    RedisServiceTokenStore tokens = new RedisServiceTokenStore(stores.open(config));
    ServiceToken expired = token(key("jwt-app", SESSION, ""), Instant.now().minusSeconds(1), "x");

    assertThat(tokens.putIfFresher(expired)).isEqualTo(expired);

    assertThat(tokens.find(expired.key())).isEmpty();
    try (Jedis raw = redis.raw()) {
      assertThat(raw.keys(config.keyPrefix() + "*")).isEmpty();
    }
  }

  @Test
  void runsItsScriptAgainAfterTheServerForgetsIt() {
    RedisServiceTokenStore tokens = new RedisServiceTokenStore(stores.open(redis.config()));
    ServiceTokenKey key = key("jwt-app", SESSION, "");
    tokens.putIfFresher(token(key, EXPIRES, "first"));
    try (Jedis raw = redis.raw()) {
      raw.scriptFlush();
    }
    ServiceToken fresher = token(key, EXPIRES.plusSeconds(1), "fresher");

    assertThat(tokens.putIfFresher(fresher)).isEqualTo(fresher);
    assertThat(tokens.putIfFresher(token(key, EXPIRES, "staler"))).isEqualTo(fresher);
  }

  @Test
  void writesDoNotWaitForReplicasEvenWhenTheStoreDoes() {
    RedisServiceTokenStore waiting =
        new RedisServiceTokenStore(
            stores.open(redis.config().withWaitForReplicas(1, Duration.ofMillis(200))));
    ServiceToken token = token(key("jwt-app", SESSION, ""), EXPIRES, "t");

    assertThat(waiting.putIfFresher(token)).isEqualTo(token);
    assertThat(waiting.find(token.key())).contains(token);
  }

  @Test
  void anUnreadableRecordIsDataCorruptNotAParseError() {
    RedisStoreConfig config = redis.config();
    RedisServiceTokenStore tokens = new RedisServiceTokenStore(stores.open(config));
    ServiceTokenKey key = key("jwt-app", SESSION, "");
    try (Jedis raw = redis.raw()) {
      raw.hset(
          config.keyPrefix() + "svc-token:" + key.id(),
          Map.of("expire", StoredRecords.sortableTime(EXPIRES), "record", "{oops"));
    }

    GatewayException.Internal failure =
        catchThrowableOfType(GatewayException.Internal.class, () -> tokens.find(key));

    assertThat(failure.reason()).isEqualTo(Reason.DATA_CORRUPT);
    assertThat(failure.getMessage()).doesNotContain("oops").doesNotContain("alice");
  }

  @Test
  void aClosedStoreIsUnavailable() {
    RedisStore closed = stores.open(redis.config());
    RedisServiceTokenStore tokens = new RedisServiceTokenStore(closed);
    closed.close();
    ServiceTokenKey key = key("jwt-app", SESSION, "");

    assertStoreUnavailable(() -> tokens.find(key));
    assertStoreUnavailable(() -> tokens.putIfFresher(token(key, EXPIRES, "t")));
  }
}
