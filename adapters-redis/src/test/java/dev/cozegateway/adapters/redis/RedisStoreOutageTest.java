package dev.cozegateway.adapters.redis;

import static dev.cozegateway.adapters.redis.StoreAssertions.assertStoreUnavailable;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cozegateway.domain.AppId;
import dev.cozegateway.domain.Authorization;
import dev.cozegateway.domain.AuthorizationName;
import dev.cozegateway.domain.AuthorizationState;
import dev.cozegateway.domain.Connection;
import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.SealedSecret;
import dev.cozegateway.domain.TenantId;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Stops this class's own Redis under a live store, then starts it again on the same port. */
class RedisStoreOutageTest {
  private static final int POOL_SIZE = 4;

  @RegisterExtension static final RedisServerExtension redis = RedisServerExtension.plain();

  @RegisterExtension final OpenedStores stores = new OpenedStores();

  @Test
  void aStoppedServerIsUnavailableAndARestartedOneServesAgain() {
    RedisStore store = stores.open(redis.config().withPoolSize(POOL_SIZE));
    RedisConnectionStore connections = new RedisConnectionStore(store);
    RedisAuthorizationStore authorizations = new RedisAuthorizationStore(store);
    Connection before = RedisStoreTest.connection();
    connections.put(before);
    // Fill the pool with connections that the stop will break.
    assertThat(connections.find(before.name())).contains(before);
    assertThat(store.isReachable()).isTrue();

    redis.stop();

    assertThat(store.isReachable()).isFalse();
    assertStoreUnavailable(() -> connections.find(before.name()));
    assertStoreUnavailable(() -> connections.put(before));
    assertStoreUnavailable(() -> connections.replaceIfVersion(before, 1));
    assertStoreUnavailable(() -> connections.list(before.name().tenant(), null, 10));
    assertStoreUnavailable(() -> authorizations.create(authorization()));
    assertStoreUnavailable(() -> authorizations.consumeState(new byte[32]));

    redis.restart();

    assertThat(store.isReachable()).isTrue();
    // Each call may meet one pooled connection the stop broke, which is then dropped; so within
    // POOL_SIZE + 1 calls one must reach the new server.
    boolean reached = false;
    Optional<Connection> found = Optional.empty();
    for (int call = 0; call <= POOL_SIZE && !reached; call++) {
      try {
        found = connections.find(before.name());
        reached = true;
      } catch (GatewayException.Unavailable e) {
        // A broken pooled connection: the next call gets another.
      }
    }
    assertThat(reached).as("a call after the restart reached the server").isTrue();
    assertThat(found).as("the new server started empty").isEmpty();
    connections.put(before);
    assertThat(connections.find(before.name())).contains(before);
    assertThat(authorizations.create(authorization())).isEmpty();
    assertThat(authorizations.consumeState(authorization().stateHash())).contains(authorization());
  }

  private static Authorization authorization() {
    Instant t = Instant.parse("2025-03-01T00:00:00Z");
    return new Authorization(
        new AuthorizationName(new TenantId("acme"), "a1"),
        new AppId("web-app"),
        new ConnectionName(new TenantId("acme"), "alice"),
        "subject-alice",
        AuthorizationState.PENDING,
        t,
        t.plusSeconds(600),
        null,
        null,
        new byte[] {1, 2, 3},
        SealedSecret.of(new byte[] {4, 5, 6}),
        "");
  }
}
