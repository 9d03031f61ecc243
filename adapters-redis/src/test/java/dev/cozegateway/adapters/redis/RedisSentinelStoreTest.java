package dev.cozegateway.adapters.redis;

import static dev.cozegateway.adapters.redis.StoreAssertions.assertStoreUnavailable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cozegateway.domain.AppId;
import dev.cozegateway.domain.Authorization;
import dev.cozegateway.domain.AuthorizationName;
import dev.cozegateway.domain.AuthorizationState;
import dev.cozegateway.domain.Connection;
import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.ConnectionState;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.SealedSecret;
import dev.cozegateway.domain.TenantId;
import dev.cozegateway.domain.port.RefreshLeases.RefreshLease;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

/** The stores through Sentinel: a master, its replica and three sentinels; then a failover. */
class RedisSentinelStoreTest {
  private static final Instant T0 = Instant.parse("2025-03-01T00:00:00Z");
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  // Connections the writer cycles through, so that each write's fate can be checked on its own.
  private static final int WRITTEN = 8;
  private static final int WRITES_BEFORE = 50;
  private static final int WRITES_AFTER = 50;

  @RegisterExtension static final RedisSentinelExtension sentinel = new RedisSentinelExtension();

  @RegisterExtension final OpenedStores stores = new OpenedStores();

  @Test
  void theStoresWorkOnTheMasterTheSentinelsName() {
    RedisStoreConfig config = sentinel.config();
    RedisStore store = stores.open(config);
    RedisConnectionStore connections = new RedisConnectionStore(store);
    RedisAuthorizationStore authorizations = new RedisAuthorizationStore(store);
    RedisRefreshLeases leases = new RedisRefreshLeases(store);
    RedisRefreshLeases anotherReplica = new RedisRefreshLeases(stores.open(config));

    assertThat(store.isReachable()).isTrue();
    Connection alice = connection("alice", 1);
    connections.put(alice);
    connections.put(connection("bob", 1));
    assertThat(connections.replaceIfVersion(connection("alice", 2), 1)).isTrue();
    assertThat(connections.replaceIfVersion(connection("alice", 3), 1)).isFalse();
    assertThat(connections.list(new TenantId("acme"), null, 10))
        .containsExactly(connection("alice", 2), connection("bob", 1));
    List<Connection> visited = new ArrayList<>();
    connections.forEachConnection(visited::add);
    assertThat(visited).containsExactlyInAnyOrder(connection("alice", 2), connection("bob", 1));
    assertThat(connections.delete(alice.name())).isTrue();

    Authorization pending = authorization();
    assertThat(authorizations.create(pending)).isEmpty();
    assertThat(authorizations.findByRequestId(new TenantId("acme"), "req-1")).contains(pending);
    assertThat(authorizations.consumeState(pending.stateHash())).contains(pending);
    assertThat(authorizations.consumeState(pending.stateHash())).isEmpty();

    try (RefreshLease lease = leases.tryAcquire(alice.name(), PATIENCE).orElseThrow()) {
      assertThat(anotherReplica.tryAcquire(alice.name(), PATIENCE)).isEmpty();
      assertThat(lease.isHeld()).isTrue();
    }
    assertThat(anotherReplica.tryAcquire(alice.name(), PATIENCE)).isPresent();

    try (Jedis master = sentinel.raw(sentinel.masterPort())) {
      assertThat(master.hget(config.keyPrefix() + "{t:acme}:conn:bob", "version")).isEqualTo("1");
    }
  }

  /**
   * With {@code wait-replicas 1}, a write returns only once the replica acknowledged it, so the
   * replica has it as soon as the call returns: read there at once, without waiting.
   */
  @Test
  void withWaitForReplicasTheReplicaHasEachConnectionWriteWhenItReturns() {
    // After another test's failover, the old master may still be joining as the replica.
    sentinel.awaitReplicaInSync();
    RedisStoreConfig config = sentinel.config().withWaitForReplicas(1, Duration.ofSeconds(4));
    RedisConnectionStore connections = new RedisConnectionStore(stores.open(config));
    String key = config.keyPrefix() + "{t:acme}:conn:alice";
    try (Jedis master = sentinel.raw(sentinel.masterPort());
        Jedis replica = sentinel.raw(sentinel.replicaPort())) {
      // The scripts are loaded again (EVALSHA fails with NOSCRIPT, then EVAL) in the pipeline.
      master.scriptFlush();
      long waitsBefore = waitCalls(master);

      connections.put(connection("alice", 1));

      assertThat(replica.hget(key, "version")).as("on the replica after put").isEqualTo("1");
      assertThat(replica.zrange(config.keyPrefix() + "{t:acme}:conns", 0, -1))
          .containsExactly("alice");

      assertThat(connections.replaceIfVersion(connection("alice", 2), 1)).isTrue();

      assertThat(replica.hget(key, "version"))
          .as("on the replica after replaceIfVersion")
          .isEqualTo("2");
      assertThat(connections.replaceIfVersion(connection("alice", 3), 1)).isFalse();
      assertThat(connections.find(connection("alice", 1).name())).contains(connection("alice", 2));
      assertThat(waitCalls(master)).as("one WAIT per write that wrote").isEqualTo(waitsBefore + 2);
    }
  }

  /** How many WAIT commands the server has run, from INFO commandstats. */
  private static long waitCalls(Jedis server) {
    return server
        .info("commandstats")
        .lines()
        .filter(line -> line.startsWith("cmdstat_wait:"))
        .findFirst()
        .map(line -> Long.parseLong(line.replaceAll("^cmdstat_wait:calls=(\\d+),.*$", "$1")))
        .orElse(0L);
  }

  @Test
  void aStoreOpenedBeforeTheSentinelsKnowItsMasterConnectsOnceTheyDo() {
    // The sentinels answer, but monitor no master by that name: the client cannot be built yet.
    String masterName = "later";
    RedisStoreConfig config =
        RedisStoreConfig.sentinel(masterName, sentinel.sentinelNodes())
            .withKeyPrefix(RedisServerExtension.uniquePrefix());
    RedisStore store = stores.open(config);
    RedisConnectionStore connections = new RedisConnectionStore(store);

    assertThat(store.isReachable()).isFalse();
    assertStoreUnavailable(() -> connections.find(connection("alice", 1).name()));

    int master = sentinel.masterPort();
    sentinel.forEachSentinel(s -> s.sentinelMonitor(masterName, "127.0.0.1", master, 2));
    try {
      await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).until(store::isReachable);
      connections.put(connection("alice", 1));
      assertThat(connections.find(connection("alice", 1).name())).contains(connection("alice", 1));
    } finally {
      sentinel.forEachSentinel(s -> s.sentinelRemove(masterName));
    }
  }

  /**
   * A writer keeps moving connections to their next version with compare-and-set while the
   * sentinels fail over to the replica. Afterwards the store serves again, on the new master, and
   * every write that returned true is there: each connection holds at least the last version
   * acknowledged for it, and no compare-and-set ever found a version other than the writer's own
   * (which a lost write would leave behind).
   *
   * <p>The failover is a planned one (see {@link RedisSentinelExtension#plannedFailover()}): with
   * asynchronous replication, a crash of the master, and even a bare {@code SENTINEL FAILOVER}, can
   * lose writes the old master acknowledged.
   */
  @Test
  void aPlannedFailoverLosesNoAcknowledgedWrite() throws InterruptedException {
    // Short timeouts: a write held back by the paused old master fails after a second.
    RedisStoreConfig config =
        sentinel.config().withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(1));
    RedisConnectionStore connections = new RedisConnectionStore(stores.open(config));
    for (int i = 0; i < WRITTEN; i++) {
      connections.put(connection("c" + i, 1));
    }
    int oldMaster = sentinel.masterPort();
    Writer writer = new Writer(connections);
    Thread thread = new Thread(writer, "failover-writer");
    thread.start();
    try {
      await().atMost(PATIENCE).until(() -> writer.acknowledged.get() >= WRITES_BEFORE);

      int newMaster = sentinel.plannedFailover();

      long atFailover = writer.acknowledged.get();
      await("writes acknowledged by the new master")
          .atMost(PATIENCE)
          .until(() -> writer.acknowledged.get() >= atFailover + WRITES_AFTER);
      assertThat(newMaster).isNotEqualTo(oldMaster);
    } finally {
      writer.stop.set(true);
      thread.join(PATIENCE.toMillis());
    }

    assertThat(thread.isAlive()).as("the writer stopped").isFalse();
    assertThat(writer.failure.get()).as("the writer's unexpected failure").isNull();
    assertThat(writer.conflicts.get()).as("compare-and-sets that found a lost write").isZero();
    for (int i = 0; i < WRITTEN; i++) {
      Connection stored = connections.find(connection("c" + i, 1).name()).orElseThrow();
      assertThat(stored.version())
          .as("version of c%d, against the last acknowledged", i)
          .isGreaterThanOrEqualTo(writer.lastAcknowledged[i]);
      // A write that failed (timed out) may have been applied: then it is the one stored.
      assertThat(stored).isEqualTo(connection("c" + i, stored.version()));
    }
    try (Jedis master = sentinel.raw(sentinel.masterPort())) {
      assertThat(master.hget(config.keyPrefix() + "{t:acme}:conn:c0", "version"))
          .as("the stored version, on the new master")
          .isEqualTo(
              Long.toString(connections.find(connection("c0", 1).name()).orElseThrow().version()));
    }
  }

  /** Moves c0..c7 to their next versions, round and round, until stopped. */
  private static final class Writer implements Runnable {
    final AtomicBoolean stop = new AtomicBoolean();
    final AtomicLong acknowledged = new AtomicLong();
    final AtomicLong conflicts = new AtomicLong();
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    // Written by the writer's thread only, read by the test's after join().
    final long[] lastAcknowledged = new long[WRITTEN];
    private final long[] known = new long[WRITTEN];
    private final boolean[] unsure = new boolean[WRITTEN];
    private final RedisConnectionStore connections;

    Writer(RedisConnectionStore connections) {
      this.connections = connections;
      Arrays.fill(known, 1);
      Arrays.fill(lastAcknowledged, 1);
    }

    @Override
    public void run() {
      try {
        for (long n = 0; !stop.get(); n++) {
          int i = (int) (n % WRITTEN);
          try {
            if (unsure[i]) {
              // The last write failed and may have been applied: learn which version is stored.
              known[i] = connections.find(connection("c" + i, 1).name()).orElseThrow().version();
              unsure[i] = false;
            }
            if (connections.replaceIfVersion(connection("c" + i, known[i] + 1), known[i])) {
              known[i]++;
              lastAcknowledged[i] = known[i];
              acknowledged.incrementAndGet();
            } else {
              conflicts.incrementAndGet();
              unsure[i] = true;
            }
          } catch (GatewayException.Unavailable e) {
            unsure[i] = true;
          }
        }
      } catch (Throwable t) {
        failure.set(t);
      }
    }
  }

  static Connection connection(String id, long version) {
    return new Connection(
        new ConnectionName(new TenantId("acme"), id),
        new AppId("web-app"),
        "subject-" + id,
        ConnectionState.ACTIVE,
        T0,
        T0.plusSeconds(version),
        T0.plusSeconds(900),
        null,
        SealedSecret.of(("tokens-" + id + "-" + version).getBytes(StandardCharsets.UTF_8)),
        version);
  }

  private static Authorization authorization() {
    return new Authorization(
        new AuthorizationName(new TenantId("acme"), "a1"),
        new AppId("web-app"),
        new ConnectionName(new TenantId("acme"), "alice"),
        "subject-alice",
        AuthorizationState.PENDING,
        T0,
        T0.plusSeconds(600),
        null,
        null,
        new byte[] {1, 2, 3},
        SealedSecret.of(new byte[] {4, 5, 6}),
        "req-1");
  }
}
