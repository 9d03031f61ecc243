package dev.cozegateway.adapters.redis;

import static dev.cozegateway.adapters.redis.StoreAssertions.assertStoreUnavailable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.cozegateway.domain.Connection;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.contract.ConnectionStoreContract;
import dev.cozegateway.domain.port.ConnectionStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.args.ClientPauseMode;
import redis.clients.jedis.params.ClientKillParams;

/** The connection contract on a three-master Redis Cluster, then what is particular to one. */
class RedisClusterConnectionStoreTest extends ConnectionStoreContract {
  private static final int TENANTS = 24;
  private static final Duration PAUSE = Duration.ofSeconds(3);
  private static final Duration PATIENCE = Duration.ofSeconds(10);

  @RegisterExtension static final RedisClusterExtension cluster = new RedisClusterExtension();

  @RegisterExtension final OpenedStores stores = new OpenedStores();

  @Override
  protected ConnectionStore store() {
    return new RedisConnectionStore(stores.open(cluster.config()));
  }

  @Test
  void visitsTheConnectionsOfEveryMaster() {
    RedisStoreConfig config = cluster.config();
    RedisConnectionStore connections = new RedisConnectionStore(stores.open(config));
    List<Connection> stored = new ArrayList<>();
    Set<Integer> servedBy = new HashSet<>();
    for (int t = 0; t < TENANTS; t++) {
      Connection connection = connection("tenant-" + t, "c" + t, 1);
      connections.put(connection);
      stored.add(connection);
      try (Jedis node = cluster.rawFor(config.keyPrefix() + "{t:tenant-" + t + "}:conn:c" + t)) {
        servedBy.add(node.getConnection().getHostAndPort().getPort());
      }
    }
    assertThat(servedBy).as("the masters that hold a connection").hasSize(3);
    List<Connection> seen = new ArrayList<>();

    connections.forEachConnection(seen::add);

    assertThat(seen).containsExactlyInAnyOrderElementsOf(stored);
  }

  /**
   * Jedis's cluster client would send a command again on a new connection when its connection
   * fails; the store's must not, since the first may have been applied. Here the node holds the
   * command back (CLIENT PAUSE WRITE), its connection is killed, and the call fails: a client that
   * sent it again would have its write run once the pause ends, and return normally.
   */
  @Test
  void aCommandWhoseConnectionFailsOnTheWayIsNotSentAgain() throws Exception {
    RedisStoreConfig config = cluster.config();
    RedisConnectionStore connections = new RedisConnectionStore(stores.open(config));
    Connection alice = connection("acme", "alice", 1);
    String key = config.keyPrefix() + "{t:acme}:conn:alice";
    ExecutorService caller = Executors.newSingleThreadExecutor();
    try (Jedis node = cluster.rawFor(key)) {
      node.clientPause(PAUSE.toMillis(), ClientPauseMode.WRITE);
      Future<?> put = caller.submit(() -> connections.put(alice));
      await()
          .atMost(PATIENCE)
          .pollInterval(Duration.ofMillis(10))
          .pollInSameThread()
          .until(() -> heldBack(node) != null);
      node.clientKill(ClientKillParams.clientKillParams().id(heldBack(node)));

      Throwable failure = catchThrowable(() -> put.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS));

      assertThat(failure).isInstanceOf(ExecutionException.class);
      assertStoreUnavailable(
          () -> {
            throw (RuntimeException) failure.getCause();
          });
      node.clientUnpause();
      assertThat(connections.find(alice.name())).as("the killed put never ran").isEmpty();
    } finally {
      caller.shutdownNow();
    }
  }

  /** The id of the store's connection whose EVALSHA the paused node holds back, if any. */
  private static String heldBack(Jedis node) {
    return node.clientList()
        .lines()
        .filter(line -> line.contains(" name=coze-gateway ") && line.contains(" cmd=evalsha "))
        .map(line -> line.substring("id=".length(), line.indexOf(' ')))
        .findFirst()
        .orElse(null);
  }

  /**
   * WAIT goes to the master that took the write, over the connection that sent it: each write's
   * node runs one WAIT; with no replicas in this cluster, none acknowledges, and the applied write
   * fails with STORE_UNAVAILABLE.
   */
  @Test
  void withWaitForReplicasEachWriteWaitsOnItsOwnNode() {
    RedisStoreConfig config = cluster.config();
    RedisConnectionStore connections = new RedisConnectionStore(stores.open(config));
    RedisConnectionStore waiting =
        new RedisConnectionStore(
            stores.open(config.withWaitForReplicas(1, Duration.ofMillis(200))));
    Set<Integer> servedBy = new HashSet<>();
    for (int t = 0; t < 6; t++) {
      String tenant = "tenant-" + t;
      connections.put(connection(tenant, "c", 1));
      String key = config.keyPrefix() + "{t:" + tenant + "}:conn:c";
      try (Jedis node = cluster.rawFor(key)) {
        servedBy.add(node.getConnection().getHostAndPort().getPort());
        long before = waitCalls(node);

        Throwable failure =
            catchThrowable(() -> waiting.replaceIfVersion(connection(tenant, "c", 2), 1));

        assertThat(failure).isInstanceOf(GatewayException.Unavailable.class);
        assertThat(((GatewayException) failure).reason()).isEqualTo(Reason.STORE_UNAVAILABLE);
        assertThat(failure.getMessage()).contains("not acknowledged by 1 replica(s)");
        assertThat(waitCalls(node)).as("WAITs on the node of " + key).isEqualTo(before + 1);
        assertThat(node.hget(key, "version")).isEqualTo("2");
      }
    }
    assertThat(servedBy).as("the masters that held a written connection").hasSizeGreaterThan(1);
  }

  /** How many WAIT commands the node has run, from INFO commandstats. */
  private static long waitCalls(Jedis node) {
    return node.info("commandstats")
        .lines()
        .filter(line -> line.startsWith("cmdstat_wait:"))
        .findFirst()
        .map(line -> Long.parseLong(line.replaceAll("^cmdstat_wait:calls=(\\d+),.*$", "$1")))
        .orElse(0L);
  }

  @Test
  void isReachableWhileAnyNodeAnswers() {
    RedisStore store = stores.open(cluster.config());

    assertThat(store.isReachable()).isTrue();

    store.close();
    assertThat(store.isReachable()).isFalse();
  }
}
