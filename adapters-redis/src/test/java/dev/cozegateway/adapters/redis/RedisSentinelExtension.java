package dev.cozegateway.adapters.redis;

import static org.awaitility.Awaitility.await;

import dev.cozegateway.adapters.redis.RedisStoreConfig.Node;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.args.ClientPauseMode;
import redis.clients.jedis.exceptions.JedisException;

/**
 * A real Sentinel deployment for one test class: a master, one replica of it, and three sentinels
 * that monitor the master as {@value #MASTER_NAME} with a quorum of two, each a {@code
 * redis-server} child process on a free loopback port, without persistence, in a directory of its
 * own. Ready once every sentinel knows the master, the replica and the two other sentinels.
 * Register it as a static field with {@code @RegisterExtension}. Tests keep apart by key prefix
 * ({@link #config()} gives each call a new one).
 *
 * <p>Public, with what it can do to the deployment (crash the master, restart it, await a new one),
 * for the gateway's end-to-end tests through this module's test-jar.
 *
 * <p>Fails (never skips) if {@code redis-server} is not on PATH.
 */
public final class RedisSentinelExtension implements BeforeAllCallback, AfterAllCallback {
  public static final String MASTER_NAME = "gw";
  private static final int SENTINELS = 3;
  private static final String SERVER_READY = "Ready to accept connections";
  private static final String SENTINEL_READY = "+monitor master " + MASTER_NAME;
  private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(30);
  // Longer than any store call's socket timeout in these tests, so that no write the old master
  // held back while paused can still be acknowledged by the time it runs.
  private static final Duration FAILOVER_PAUSE = Duration.ofSeconds(10);
  private static final Logger log = LoggerFactory.getLogger(RedisSentinelExtension.class);

  // The master and its replica, at first; a failover swaps their roles.
  private final List<RedisProcess> servers = new ArrayList<>();
  private final List<RedisProcess> sentinels = new ArrayList<>();
  private Path root;

  @Override
  public void beforeAll(ExtensionContext context) {
    root = RedisProcess.newTempDir("redis-sentinel");
    try {
      RedisProcess master =
          RedisProcess.startOnFreePort(
              "redis-master",
              root.resolve("master"),
              RedisSentinelExtension::serverArguments,
              SERVER_READY,
              null);
      servers.add(master);
      List<String> replicaOf = List.of("--replicaof", "127.0.0.1", Integer.toString(master.port()));
      servers.add(
          RedisProcess.startOnFreePort(
              "redis-replica",
              root.resolve("replica"),
              port -> concat(serverArguments(port), replicaOf),
              SERVER_READY,
              null));
      awaitReplicaInSync(master.port(), servers.get(1).port());
      for (int i = 0; i < SENTINELS; i++) {
        Path dir = root.resolve("sentinel-" + i);
        sentinels.add(
            RedisProcess.startOnFreePort(
                "redis-sentinel",
                dir,
                port -> sentinelArguments(dir, port, master.port()),
                SENTINEL_READY,
                null));
      }
      await("the sentinels know the master, its replica and each other")
          .atMost(SETTLE_TIMEOUT)
          .pollInterval(Duration.ofMillis(50))
          .ignoreExceptionsInstanceOf(JedisException.class)
          .until(() -> sentinelsAgree(master.port(), servers.get(1).port()));
    } catch (RuntimeException | Error e) {
      afterAll(context);
      throw e;
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    sentinels.forEach(RedisProcess::stop);
    sentinels.clear();
    servers.forEach(RedisProcess::stop);
    servers.clear();
    RedisProcess.deleteTree(root);
  }

  /** The configuration of a store through the sentinels, with a key prefix no other call gets. */
  RedisStoreConfig config() {
    return RedisStoreConfig.sentinel(MASTER_NAME, sentinelNodes())
        .withKeyPrefix(RedisServerExtension.uniquePrefix())
        .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(5));
  }

  public List<Node> sentinelNodes() {
    return sentinels.stream().map(s -> new Node("127.0.0.1", s.port())).toList();
  }

  /** The port of the master, as the first sentinel knows it. */
  public int masterPort() {
    try (Jedis sentinel = sentinels.get(0).connect(null)) {
      return Integer.parseInt(sentinel.sentinelGetMasterAddrByName(MASTER_NAME).get(1));
    }
  }

  /** The port of the replica: the server that is not the master the first sentinel names. */
  public int replicaPort() {
    int master = masterPort();
    return servers.stream()
        .mapToInt(RedisProcess::port)
        .filter(port -> port != master)
        .findFirst()
        .orElseThrow();
  }

  /** Waits until the replica is linked to the master and has every write the master has. */
  public void awaitReplicaInSync() {
    awaitReplicaInSync(masterPort(), replicaPort());
  }

  /** A plain connection to the server on {@code port}. Close it. */
  public Jedis raw(int port) {
    return RedisProcess.connect(port, null);
  }

  /**
   * A failover that loses no acknowledged write, and the test's thread waits for it: pauses writes
   * on the master ({@code CLIENT PAUSE WRITE}, for {@link #FAILOVER_PAUSE}), waits until the
   * replica has every write the master acknowledged (equal replication offsets), then has a
   * sentinel promote it ({@code SENTINEL FAILOVER}), and waits until every sentinel names it.
   *
   * <p>{@code SENTINEL FAILOVER} alone would not do: it promotes the replica without waiting for
   * it, and the old master goes on acknowledging writes until its clients learn of the new one, and
   * loses them when it is turned into a replica. The pause makes them wait instead, until their
   * socket timeout.
   *
   * @return the new master's port
   */
  int plannedFailover() {
    return failover(true);
  }

  /**
   * {@code SENTINEL FAILOVER} alone, for comparison: see {@link #plannedFailover()} for what it can
   * lose.
   *
   * @return the new master's port
   */
  int sentinelFailover() {
    return failover(false);
  }

  /** Runs {@code command} on a connection to each sentinel in turn. */
  void forEachSentinel(Consumer<Jedis> command) {
    for (RedisProcess s : sentinels) {
      try (Jedis connection = s.connect(null)) {
        command.accept(connection);
      }
    }
  }

  /**
   * Kills the master at once (SIGKILL), as a crash would; the sentinels will fail over.
   *
   * @return the port it listened on
   */
  public int crashMaster() {
    int master = masterPort();
    servers.stream().filter(server -> server.port() == master).findFirst().orElseThrow().kill();
    return master;
  }

  /**
   * Starts the crashed server again on its old port, empty (there is no persistence), as a replica
   * of the server on {@code masterPort}, which the sentinels must already name as the master: an
   * empty server restarted as a master instead would have its former replica copy its emptiness.
   * Returns once it answers; {@link #awaitReplicaInSync()} waits for its copy of the data.
   */
  public void restartAsReplica(int crashedPort, int masterPort) {
    int index = -1;
    for (int i = 0; i < servers.size(); i++) {
      if (servers.get(i).port() == crashedPort) {
        index = i;
      }
    }
    if (index < 0 || servers.get(index).isAlive()) {
      throw new IllegalStateException("no crashed server on port " + crashedPort);
    }
    // Redis 7 waits 5 s by default before a diskless full sync, for more replicas to join it.
    try (Jedis master = raw(masterPort)) {
      master.configSet("repl-diskless-sync-delay", "0");
    }
    List<String> replicaOf = List.of("--replicaof", "127.0.0.1", Integer.toString(masterPort));
    servers.set(
        index,
        RedisProcess.start(
            "redis-replica",
            root.resolve("restarted-" + crashedPort),
            crashedPort,
            concat(serverArguments(crashedPort), replicaOf),
            SERVER_READY,
            null));
  }

  /** Waits until every sentinel names the server on {@code port} as the master. */
  public void awaitMaster(int port) {
    await("every sentinel names 127.0.0.1:" + port + " as the master")
        .atMost(SETTLE_TIMEOUT)
        .pollInterval(Duration.ofMillis(50))
        .ignoreExceptionsInstanceOf(JedisException.class)
        .until(() -> sentinels.stream().allMatch(s -> masterOf(s) == port));
  }

  private int failover(boolean pauseFirst) {
    int oldMaster = masterPort();
    int newMaster =
        servers.stream()
            .mapToInt(RedisProcess::port)
            .filter(port -> port != oldMaster)
            .findFirst()
            .orElseThrow();
    if (pauseFirst) {
      try (Jedis master = raw(oldMaster)) {
        master.clientPause(FAILOVER_PAUSE.toMillis(), ClientPauseMode.WRITE);
      }
      awaitReplicaInSync(oldMaster, newMaster);
    }
    try (Jedis sentinel = sentinels.get(0).connect(null)) {
      sentinel.sentinelFailover(MASTER_NAME);
    }
    awaitMaster(newMaster);
    log.info("Failed over from 127.0.0.1:{} to 127.0.0.1:{}", oldMaster, newMaster);
    return newMaster;
  }

  private void awaitReplicaInSync(int master, int replica) {
    await("the replica on " + replica + " has all of the master's writes")
        .atMost(SETTLE_TIMEOUT)
        .pollInterval(Duration.ofMillis(20))
        .ignoreExceptionsInstanceOf(JedisException.class)
        .until(() -> replicaInSync(master, replica));
  }

  private boolean replicaInSync(int masterPort, int replicaPort) {
    try (Jedis master = raw(masterPort);
        Jedis replica = raw(replicaPort)) {
      Map<String, String> ofMaster = info(master.info("replication"));
      Map<String, String> ofReplica = info(replica.info("replication"));
      return "master".equals(ofMaster.get("role"))
          && "up".equals(ofReplica.get("master_link_status"))
          && ofMaster.get("master_repl_offset").equals(ofReplica.get("slave_repl_offset"));
    }
  }

  private boolean sentinelsAgree(int master, int replica) {
    for (RedisProcess sentinel : sentinels) {
      try (Jedis s = sentinel.connect(null)) {
        if (masterOf(sentinel) != master) {
          return false;
        }
        boolean knowsReplica =
            s.sentinelReplicas(MASTER_NAME).stream()
                .anyMatch(
                    r ->
                        Integer.toString(replica).equals(r.get("port"))
                            && !r.get("flags").contains("down")
                            && !r.get("flags").contains("disconnected"));
        if (!knowsReplica || s.sentinelSentinels(MASTER_NAME).size() != SENTINELS - 1) {
          return false;
        }
      }
    }
    return true;
  }

  private static int masterOf(RedisProcess sentinel) {
    try (Jedis s = sentinel.connect(null)) {
      return Integer.parseInt(s.sentinelGetMasterAddrByName(MASTER_NAME).get(1));
    }
  }

  private static Map<String, String> info(String section) {
    return section
        .lines()
        .filter(line -> line.contains(":"))
        .collect(
            Collectors.toMap(
                line -> line.substring(0, line.indexOf(':')),
                line -> line.substring(line.indexOf(':') + 1).trim(),
                (a, b) -> a));
  }

  private static List<String> serverArguments(int port) {
    return List.of(
        "--port",
        Integer.toString(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no");
  }

  /** Writes the sentinel's configuration (which it rewrites as it learns) and points to it. */
  private static List<String> sentinelArguments(Path dir, int port, int masterPort) {
    String conf =
        String.join(
            "\n",
            "port " + port,
            "bind 127.0.0.1",
            "dir " + dir.toAbsolutePath(),
            "daemonize no",
            "sentinel resolve-hostnames no",
            "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + masterPort + " 2",
            "sentinel down-after-milliseconds " + MASTER_NAME + " 1000",
            "sentinel failover-timeout " + MASTER_NAME + " 5000",
            "");
    Path file = dir.resolve("sentinel-" + port + ".conf");
    try {
      Files.createDirectories(dir);
      Files.writeString(file, conf, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return List.of(file.toString(), "--sentinel");
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
