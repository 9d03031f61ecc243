package dev.cozegateway.adapters.redis;

import static dev.cozegateway.adapters.redis.StoreAssertions.assertStoreUnavailable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.cozegateway.domain.Connection;
import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.SealedSecret;
import dev.cozegateway.domain.contract.ConnectionStoreContract;
import dev.cozegateway.domain.port.ConnectionStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.util.JedisClusterCRC16;

class RedisConnectionStoreTest extends ConnectionStoreContract {
  @RegisterExtension static final RedisServerExtension redis = RedisServerExtension.plain();

  @RegisterExtension final OpenedStores stores = new OpenedStores();

  @Override
  protected ConnectionStore store() {
    return new RedisConnectionStore(stores.open(redis.config()));
  }

  @Test
  void aTenantsKeysShareOneHashSlot() {
    RedisStoreConfig config = redis.config();
    String p = config.keyPrefix();
    RedisConnectionStore connections = new RedisConnectionStore(stores.open(config));
    connections.put(connection("acme", "alice", 1));
    connections.put(connection("acme", "bob", 1));
    connections.put(connection("globex", "alice", 1));

    try (Jedis raw = redis.raw()) {
      Set<String> stored = raw.keys(p + "*");

      assertThat(stored)
          .containsExactlyInAnyOrder(
              p + "{t:acme}:conn:alice",
              p + "{t:acme}:conn:bob",
              p + "{t:acme}:conns",
              p + "{t:globex}:conn:alice",
              p + "{t:globex}:conns");
      Map<String, Set<Integer>> slotsByTenant =
          stored.stream()
              .collect(
                  Collectors.groupingBy(
                      key -> key.substring(key.indexOf('{'), key.indexOf('}') + 1),
                      Collectors.mapping(JedisClusterCRC16::getSlot, Collectors.toSet())));
      assertThat(slotsByTenant.get("{t:acme}"))
          .containsExactly(JedisClusterCRC16.getSlot("t:acme"));
      assertThat(slotsByTenant.get("{t:globex}"))
          .containsExactly(JedisClusterCRC16.getSlot("t:globex"));
    }
  }

  @Test
  void storesTheVersionBesideTheRecordAndNeverExpiresConnections() {
    RedisStoreConfig config = redis.config();
    RedisConnectionStore connections = new RedisConnectionStore(stores.open(config));
    connections.put(connection("acme", "alice", 41));

    try (Jedis raw = redis.raw()) {
      String key = config.keyPrefix() + "{t:acme}:conn:alice";
      assertThat(raw.hkeys(key)).containsExactlyInAnyOrder("version", "record");
      assertThat(raw.hget(key, "version")).isEqualTo("41");
      assertThat(raw.hget(key, "record")).startsWith("{\"v\":1,");
      assertThat(raw.pttl(key)).isEqualTo(-1);
      assertThat(raw.pttl(config.keyPrefix() + "{t:acme}:conns")).isEqualTo(-1);
    }
  }

  @Test
  void recordsSurviveANewClientOnTheSameServer() {
    RedisStoreConfig config = redis.config();
    RedisStore first = stores.open(config);
    RedisConnectionStore connections = new RedisConnectionStore(first);
    Connection kept = connection("acme", "kept", 1);
    Connection refreshed = connection("acme", "refreshed", 1);
    Connection refreshedLater =
        refreshed.refreshed(
            Instant.parse("2025-03-02T00:00:00Z"),
            Instant.parse("2025-03-02T00:15:00Z"),
            SealedSecret.of("new".getBytes(StandardCharsets.UTF_8)));
    connections.put(kept);
    connections.put(refreshed);
    connections.put(connection("acme", "deleted", 1));
    assertThat(connections.replaceIfVersion(refreshedLater, 1)).isTrue();
    assertThat(connections.delete(name("acme", "deleted"))).isTrue();
    first.close();

    RedisConnectionStore again = new RedisConnectionStore(stores.open(config));

    assertThat(again.find(kept.name())).contains(kept);
    assertThat(again.find(refreshed.name())).contains(refreshedLater);
    assertThat(again.find(name("acme", "deleted"))).isEmpty();
    assertThat(again.list(tenant("acme"), null, 10)).containsExactly(kept, refreshedLater);
    assertThat(again.replaceIfVersion(refreshedLater, 1)).as("the version moved").isFalse();
  }

  @Test
  void forEachConnectionSkipsOtherKeysThePatternMatches() {
    RedisStoreConfig config = redis.config();
    String p = config.keyPrefix();
    RedisConnectionStore connections = new RedisConnectionStore(stores.open(config));
    connections.put(connection("acme", "alice", 1));
    try (Jedis raw = redis.raw()) {
      // A request id is the caller's free text: its key can end like a connection record's.
      raw.set(p + "{t:acme}:authz-request:x}:conn:bob", "a1");
      raw.set(p + "{t:acme}:conn:Not-An-Id", "x");
      raw.set(p + "{t:acme}:conn:", "x");
      raw.hset("other-" + p + "{t:acme}:conn:carol", Map.of("version", "1", "record", "{}"));
    }
    List<Connection> seen = new ArrayList<>();

    connections.forEachConnection(seen::add);

    assertThat(seen).containsExactly(connection("acme", "alice", 1));
  }

  @Test
  void forEachConnectionGoesThroughManyBatchesWhileTheVisitorDeletes() {
    int count = RedisConnectionStore.VISIT_BATCH * 2 + 7;
    RedisConnectionStore connections = new RedisConnectionStore(stores.open(redis.config()));
    Set<Connection> stored = new HashSet<>();
    for (int i = 0; i < count; i++) {
      Connection connection = connection("t" + (i % 5), "c" + i, 1);
      connections.put(connection);
      stored.add(connection);
    }
    List<Connection> seen = new ArrayList<>();
    Set<ConnectionName> deleted = new HashSet<>();

    connections.forEachConnection(
        c -> {
          seen.add(c);
          // Deletes others, which are then seen or not, depending on whether they were read yet.
          ConnectionName other = name(c.name().tenant().id(), c.name().connectionId() + "0");
          if (connections.delete(other)) {
            deleted.add(other);
          }
        });

    assertThat(deleted).isNotEmpty();
    assertThat(seen).doesNotHaveDuplicates().allMatch(stored::contains);
    assertThat(seen)
        .as("every connection that was not deleted")
        .containsAll(stored.stream().filter(c -> !deleted.contains(c.name())).toList());
  }

  @Test
  void runsItsScriptsAgainAfterTheServerForgetsThem() {
    RedisConnectionStore connections = new RedisConnectionStore(stores.open(redis.config()));
    connections.put(connection("acme", "c1", 1));
    try (Jedis raw = redis.raw()) {
      raw.scriptFlush();
    }

    connections.put(connection("acme", "c2", 1));
    assertThat(connections.replaceIfVersion(connection("acme", "c1", 2), 1)).isTrue();

    assertThat(connections.list(tenant("acme"), null, 10))
        .containsExactly(connection("acme", "c1", 2), connection("acme", "c2", 1));
  }

  @Test
  void withoutWaitForReplicasNoWriteSendsWait() {
    RedisStoreConfig config = redis.config();
    assertThat(config.waitReplicas()).as("the default").isZero();
    RedisConnectionStore connections = new RedisConnectionStore(stores.open(config));
    try (Jedis raw = redis.raw()) {
      long before = waitCalls(raw);

      connections.put(connection("acme", "c1", 1));
      assertThat(connections.replaceIfVersion(connection("acme", "c1", 2), 1)).isTrue();

      assertThat(waitCalls(raw)).isEqualTo(before);
    }
  }

  /**
   * No replica ever acknowledges on a server without one: the compare-and-set is applied, but the
   * caller must not hand out what it wrote, so it fails; the record is there for the next call.
   */
  @Test
  void aWriteNoReplicaAcknowledgedIsAppliedButUnavailable() {
    RedisStoreConfig config = redis.config();
    new RedisConnectionStore(stores.open(config)).put(connection("acme", "c1", 1));
    RedisConnectionStore waiting =
        new RedisConnectionStore(
            stores.open(config.withWaitForReplicas(1, Duration.ofMillis(200))));

    GatewayException.Unavailable failure =
        catchThrowableOfType(
            GatewayException.Unavailable.class,
            () -> waiting.replaceIfVersion(connection("acme", "c1", 2), 1));

    assertThat(failure).isNotNull();
    assertThat(failure.reason()).isEqualTo(Reason.STORE_UNAVAILABLE);
    assertThat(failure.getMessage())
        .contains("not acknowledged by 1 replica(s)")
        .doesNotContain("127.0.0.1");
    assertThat(waiting.find(name("acme", "c1"))).contains(connection("acme", "c1", 2));
    try (Jedis raw = redis.raw()) {
      assertThat(raw.hget(config.keyPrefix() + "{t:acme}:conn:c1", "version")).isEqualTo("2");
    }
  }

  @Test
  void aPutNoReplicaAcknowledgedIsAppliedButUnavailable() {
    RedisConnectionStore waiting =
        new RedisConnectionStore(
            stores.open(redis.config().withWaitForReplicas(1, Duration.ofMillis(200))));

    GatewayException.Unavailable failure =
        catchThrowableOfType(
            GatewayException.Unavailable.class, () -> waiting.put(connection("acme", "c1", 1)));

    assertThat(failure.reason()).isEqualTo(Reason.STORE_UNAVAILABLE);
    assertThat(failure.getMessage()).contains("not acknowledged by 1 replica(s)");
    assertThat(waiting.find(name("acme", "c1"))).contains(connection("acme", "c1", 1));
  }

  @Test
  void aCompareAndSetThatDoesNotWriteDoesNotWait() {
    RedisStoreConfig config = redis.config();
    new RedisConnectionStore(stores.open(config)).put(connection("acme", "c1", 1));
    RedisConnectionStore waiting =
        new RedisConnectionStore(
            stores.open(config.withWaitForReplicas(1, Duration.ofMillis(200))));
    try (Jedis raw = redis.raw()) {
      long before = waitCalls(raw);

      assertThat(waiting.replaceIfVersion(connection("acme", "c1", 3), 2)).isFalse();

      assertThat(waitCalls(raw)).isEqualTo(before);
    }
  }

  @Test
  void anUnreadableRecordIsDataCorruptNotAParseError() {
    RedisStoreConfig config = redis.config();
    RedisConnectionStore connections = new RedisConnectionStore(stores.open(config));
    try (Jedis raw = redis.raw()) {
      raw.hset(config.keyPrefix() + "{t:acme}:conn:c1", Map.of("version", "1", "record", "{oops"));
    }

    GatewayException.Internal failure =
        catchThrowableOfType(
            GatewayException.Internal.class, () -> connections.find(name("acme", "c1")));

    assertThat(failure.reason()).isEqualTo(Reason.DATA_CORRUPT);
    assertThat(failure.getMessage()).doesNotContain("oops");
  }

  /** How many WAIT commands the server has run, from INFO commandstats. */
  private static long waitCalls(Jedis raw) {
    return raw.info("commandstats")
        .lines()
        .filter(line -> line.startsWith("cmdstat_wait:"))
        .findFirst()
        .map(line -> Long.parseLong(line.replaceAll("^cmdstat_wait:calls=(\\d+),.*$", "$1")))
        .orElse(0L);
  }

  @Test
  void aClosedStoreIsUnavailable() {
    RedisStore closed = stores.open(redis.config());
    RedisConnectionStore connections = new RedisConnectionStore(closed);
    closed.close();

    assertStoreUnavailable(() -> connections.find(name("acme", "c1")));
    assertStoreUnavailable(() -> connections.put(connection("acme", "c1", 1)));
    assertStoreUnavailable(() -> connections.replaceIfVersion(connection("acme", "c1", 2), 1));
    assertStoreUnavailable(() -> connections.delete(name("acme", "c1")));
    assertStoreUnavailable(() -> connections.list(tenant("acme"), null, 10));
  }
}
