package dev.cozegateway.adapters.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cozegateway.domain.Secret;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RedisStoreConfigTest {
  private static final RedisStoreConfig LOCAL = RedisStoreConfig.standalone("127.0.0.1", 6379);

  @Test
  void standaloneHasTheDefaults() {
    assertThat(LOCAL.mode()).isEqualTo(RedisStoreConfig.Mode.STANDALONE);
    assertThat(LOCAL.user()).isNull();
    assertThat(LOCAL.password()).isNull();
    assertThat(LOCAL.tls()).isFalse();
    assertThat(LOCAL.database()).isZero();
    assertThat(LOCAL.keyPrefix()).isEqualTo("cozegw:");
    assertThat(LOCAL.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(LOCAL.socketTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(LOCAL.poolSize()).isEqualTo(16);
  }

  @Test
  void toStringNeverShowsThePassword() {
    RedisStoreConfig config =
        LOCAL.withUser("gateway", Secret.of("hunter2-correct-horse")).withTls(true);

    assertThat(config.toString())
        .doesNotContain("hunter2")
        .contains("password=(set)")
        .contains("user=gateway")
        .contains("host=127.0.0.1")
        .contains("tls=true");
    assertThat(LOCAL.toString()).contains("password=(none)");
  }

  @Test
  void withersChangeOneSettingEach() {
    RedisStoreConfig changed =
        LOCAL
            .withPassword(Secret.of("pw"))
            .withDatabase(3)
            .withKeyPrefix("gw.prod:")
            .withTimeouts(Duration.ofMillis(500), Duration.ofSeconds(3))
            .withPoolSize(32);

    assertThat(changed)
        .isEqualTo(
            new RedisStoreConfig(
                RedisStoreConfig.Mode.STANDALONE,
                "127.0.0.1",
                6379,
                null,
                Secret.of("pw"),
                false,
                3,
                "gw.prod:",
                Duration.ofMillis(500),
                Duration.ofSeconds(3),
                32));
  }

  @Test
  void aBadValueNamesItsKey() {
    assertRejected(() -> RedisStoreConfig.standalone(" ", 6379), "store.redis.host: ");
    assertRejected(() -> RedisStoreConfig.standalone(null, 6379), "store.redis.host: ");
    assertRejected(() -> RedisStoreConfig.standalone("h", 0), "store.redis.port: ");
    assertRejected(() -> RedisStoreConfig.standalone("h", 65536), "store.redis.port: ");
    assertRejected(() -> LOCAL.withDatabase(-1), "store.redis.database: ");
    assertRejected(() -> LOCAL.withKeyPrefix(""), "store.redis.key-prefix: ");
    assertRejected(() -> LOCAL.withKeyPrefix("gw{x}:"), "store.redis.key-prefix: ");
    assertRejected(() -> LOCAL.withKeyPrefix(null), "store.redis.key-prefix: ");
    assertRejected(() -> LOCAL.withKeyPrefix("a".repeat(65)), "store.redis.key-prefix: ");
    assertRejected(
        () -> LOCAL.withTimeouts(Duration.ZERO, Duration.ofSeconds(1)),
        "store.redis.connect-timeout: ");
    assertRejected(
        () -> LOCAL.withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(-1)),
        "store.redis.socket-timeout: ");
    assertRejected(
        () -> LOCAL.withTimeouts(Duration.ofSeconds(1), Duration.ofHours(1)),
        "store.redis.socket-timeout: ");
    assertRejected(
        () -> LOCAL.withTimeouts(null, Duration.ofSeconds(1)), "store.redis.connect-timeout: ");
    assertRejected(() -> LOCAL.withPoolSize(0), "store.redis.pool-size: ");
    assertRejected(() -> LOCAL.withPoolSize(1025), "store.redis.pool-size: ");
    assertRejected(() -> LOCAL.withUser("gateway", null), "store.redis.user: ");
    assertRejected(() -> LOCAL.withUser(" ", Secret.of("pw")), "store.redis.user: ");
    assertRejected(() -> LOCAL.withPassword(Secret.of("")), "store.redis.password: ");
    assertRejected(
        () ->
            new RedisStoreConfig(
                null,
                "h",
                6379,
                null,
                null,
                false,
                0,
                "cozegw:",
                Duration.ofSeconds(1),
                Duration.ofSeconds(1),
                1),
        "store.redis.mode: ");
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    assertThatThrownBy(() -> RedisStoreConfig.standalone("", 0).withPoolSize(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("store.redis.host: ")
        .hasMessageContaining("store.redis.port: ");
  }

  @Test
  void aRejectedPasswordIsNeverInTheMessage() {
    assertThatThrownBy(() -> LOCAL.withPassword(Secret.of("hunter2")).withPoolSize(0))
        .hasMessageNotContaining("hunter2");
  }

  private static void assertRejected(Runnable build, String keyAndColon) {
    assertThatThrownBy(build::run)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(keyAndColon);
  }
}
