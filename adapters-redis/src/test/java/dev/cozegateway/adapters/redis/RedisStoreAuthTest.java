package dev.cozegateway.adapters.redis;

import static dev.cozegateway.adapters.redis.StoreAssertions.assertStoreUnavailable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.cozegateway.domain.Connection;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Secret;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Against a server started with {@code --requirepass}. */
class RedisStoreAuthTest {
  private static final String PASSWORD = "s3cret-for-the-auth-test";

  @RegisterExtension
  static final RedisServerExtension redis = RedisServerExtension.requiringPassword(PASSWORD);

  @RegisterExtension final OpenedStores stores = new OpenedStores();

  @Test
  void theConfiguredPasswordAuthenticates() {
    RedisStoreConfig config = redis.config();
    assertThat(config.password()).isEqualTo(Secret.of(PASSWORD));
    RedisStore store = stores.open(config);
    RedisConnectionStore connections = new RedisConnectionStore(store);
    Connection stored = RedisStoreTest.connection();

    connections.put(stored);

    assertThat(connections.find(stored.name())).contains(stored);
    assertThat(store.isReachable()).isTrue();
  }

  @Test
  void withoutThePasswordTheStoreIsUnavailable() {
    RedisStore store = stores.open(redis.config().withPassword(null));

    assertThat(store.isReachable()).isFalse();
    assertStoreUnavailable(
        () -> new RedisConnectionStore(store).find(RedisStoreTest.connection().name()));
  }

  @Test
  void aWrongPasswordIsUnavailableAndNeverShown() {
    RedisStore store = stores.open(redis.config().withPassword(Secret.of("wrong-" + PASSWORD)));
    RedisConnectionStore connections = new RedisConnectionStore(store);

    assertThat(store.isReachable()).isFalse();
    assertStoreUnavailable(() -> connections.put(RedisStoreTest.connection()));
    GatewayException.Unavailable failure =
        catchThrowableOfType(
            GatewayException.Unavailable.class,
            () -> connections.find(RedisStoreTest.connection().name()));
    assertThat(failure.getMessage()).doesNotContain(PASSWORD);
  }
}
