package dev.cozegateway.adapters.redis;

import static dev.cozegateway.adapters.redis.StoreAssertions.assertStoreUnavailable;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cozegateway.domain.AppId;
import dev.cozegateway.domain.Connection;
import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.ConnectionState;
import dev.cozegateway.domain.SealedSecret;
import dev.cozegateway.domain.TenantId;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedisStoreTest {
  @RegisterExtension static final RedisServerExtension redis = RedisServerExtension.plain();

  @RegisterExtension final OpenedStores stores = new OpenedStores();

  @Test
  void isReachableWhileTheServerAnswersAndNotOnceClosed() {
    RedisStore store = stores.open(redis.config());

    assertThat(store.isReachable()).isTrue();

    store.close();
    assertThat(store.isReachable()).isFalse();
  }

  @Test
  void closeIsIdempotent() {
    RedisStore store = stores.open(redis.config());
    store.close();
    store.close();

    assertStoreUnavailable(() -> new RedisConnectionStore(store).find(connection().name()));
  }

  @Test
  void opensWithoutARedisAndIsUnavailableUntilThereIsOne() throws IOException {
    int nobodyListens;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      nobodyListens = socket.getLocalPort();
    }
    RedisStoreConfig config = RedisStoreConfig.standalone("127.0.0.1", nobodyListens);

    RedisStore store = stores.open(config);

    assertThat(store.isReachable()).isFalse();
    RedisConnectionStore connections = new RedisConnectionStore(store);
    assertStoreUnavailable(() -> connections.find(connection().name()));
    assertStoreUnavailable(() -> connections.put(connection()));
  }

  @Test
  void opensWithoutSentinelsAndIsUnavailableUntilThereAreSome() {
    RedisStoreConfig config =
        RedisStoreConfig.sentinel("gw", List.of(nobodyListens(), nobodyListens()));

    RedisStore store = stores.open(config);

    assertThat(store.isReachable()).isFalse();
    RedisConnectionStore connections = new RedisConnectionStore(store);
    assertStoreUnavailable(() -> connections.find(connection().name()));
    assertStoreUnavailable(() -> connections.put(connection()));
    assertStoreUnavailable(() -> connections.forEachConnection(c -> {}));
    store.close();
    assertStoreUnavailable(() -> connections.find(connection().name()));
  }

  @Test
  void opensWithoutAClusterAndIsUnavailableUntilThereIsOne() {
    RedisStoreConfig config = RedisStoreConfig.cluster(List.of(nobodyListens(), nobodyListens()));

    RedisStore store = stores.open(config);

    assertThat(store.isReachable()).isFalse();
    RedisConnectionStore connections = new RedisConnectionStore(store);
    assertStoreUnavailable(() -> connections.find(connection().name()));
    assertStoreUnavailable(() -> connections.put(connection()));
    assertStoreUnavailable(() -> connections.forEachConnection(c -> {}));
  }

  @Test
  void storesOfDifferentPrefixesDoNotSeeEachOther() {
    RedisConnectionStore one = new RedisConnectionStore(stores.open(redis.config()));
    RedisConnectionStore other = new RedisConnectionStore(stores.open(redis.config()));

    one.put(connection());

    assertThat(one.find(connection().name())).contains(connection());
    assertThat(other.find(connection().name())).isEmpty();
    assertThat(other.list(new TenantId("acme"), null, 10)).isEmpty();
  }

  private static RedisStoreConfig.Node nobodyListens() {
    return new RedisStoreConfig.Node("127.0.0.1", RedisProcess.freePort());
  }

  static Connection connection() {
    Instant t = Instant.parse("2025-03-01T00:00:00Z");
    return new Connection(
        new ConnectionName(new TenantId("acme"), "alice"),
        new AppId("web-app"),
        "subject-alice",
        ConnectionState.ACTIVE,
        t,
        t,
        t.plusSeconds(900),
        null,
        SealedSecret.of(new byte[] {0, 1, 2, (byte) 0xff}),
        1);
  }
}
