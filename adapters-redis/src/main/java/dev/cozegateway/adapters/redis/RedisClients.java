package dev.cozegateway.adapters.redis;

import dev.cozegateway.adapters.redis.RedisStoreConfig.Node;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.CommandObject;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.RedisSentinelClient;
import redis.clients.jedis.StaticCommandFlagsRegistry;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisClusterOperationException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.executors.ClusterCommandExecutor;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.providers.ClusterConnectionProvider;
import redis.clients.jedis.resps.ScanResult;
import redis.clients.jedis.util.Pool;

/**
 * The pooled client of one {@link RedisStoreConfig.Mode}, and the little that differs between the
 * modes. The stores use only {@link #commands()}, the common {@link UnifiedJedis} API, whatever the
 * mode; the rest serves {@link RedisStore}: readiness probes and key scans, which need to know the
 * servers behind the client.
 *
 * <ul>
 *   <li>STANDALONE: {@link RedisClient}, one pool to one server.
 *   <li>SENTINEL: {@link RedisSentinelClient}, one pool to the current master, which it asks the
 *       sentinels for and replaces when they announce a new master ({@code +switch-master}).
 *   <li>CLUSTER: {@link RedisClusterClient}, one pool per node, each command sent to the master of
 *       its key's slot, following MOVED and ASK redirections.
 * </ul>
 */
abstract sealed class RedisClients implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RedisClients.class);

  /** The client the stores run their commands on. */
  abstract UnifiedJedis commands();

  /** Whether the Redis this mode writes to answers PING on a new connection; never throws. */
  abstract boolean answersPing(JedisClientConfig probeConfig);

  /**
   * One scanner per master, so that SCANning with each visits every key: the one master, or in
   * CLUSTER mode each master node, which holds the keys of its slots.
   */
  abstract List<KeyScanner> masters();

  @Override
  public abstract void close();

  /** SCAN on one server: one call per batch, a pooled connection taken for it and given back. */
  @FunctionalInterface
  interface KeyScanner {
    ScanResult<String> scan(String cursor, ScanParams params);
  }

  /**
   * Builds the client of the configured mode. Standalone never contacts Redis here; Sentinel and
   * Cluster do (to ask where the master is, or for the slot map), and fail if nothing answers.
   *
   * @throws JedisException if the sentinels or the cluster cannot be reached or make no sense
   */
  static RedisClients connect(
      RedisStoreConfig config,
      JedisClientConfig serverConfig,
      JedisClientConfig sentinelConfig,
      ConnectionPoolConfig pool) {
    return switch (config.mode()) {
      case STANDALONE -> new Standalone(config, serverConfig, pool);
      case SENTINEL -> new Sentinel(config, serverConfig, sentinelConfig, pool);
      case CLUSTER -> new Cluster(config, serverConfig, pool);
    };
  }

  private static Set<HostAndPort> addresses(List<Node> nodes) {
    Set<HostAndPort> addresses = new LinkedHashSet<>();
    nodes.forEach(node -> addresses.add(new HostAndPort(node.host(), node.port())));
    return addresses;
  }

  private static boolean ping(HostAndPort server, JedisClientConfig probeConfig) {
    try (Jedis probe = new Jedis(server, probeConfig)) {
      return "PONG".equals(probe.ping());
    } catch (JedisException e) {
      log.debug("Redis readiness probe of {} failed: {}", server, e.toString());
      return false;
    }
  }

  static final class Standalone extends RedisClients {
    private final RedisClient client;
    private final HostAndPort server;

    Standalone(RedisStoreConfig config, JedisClientConfig serverConfig, ConnectionPoolConfig pool) {
      this.server = new HostAndPort(config.host(), config.port());
      this.client =
          RedisClient.builder()
              .hostAndPort(server)
              .clientConfig(serverConfig)
              .poolConfig(pool)
              .build();
    }

    @Override
    UnifiedJedis commands() {
      return client;
    }

    @Override
    boolean answersPing(JedisClientConfig probeConfig) {
      return ping(server, probeConfig);
    }

    @Override
    List<KeyScanner> masters() {
      return List.of(client::scan);
    }

    @Override
    public void close() {
      client.close();
    }
  }

  static final class Sentinel extends RedisClients {
    private final RedisSentinelClient client;

    Sentinel(
        RedisStoreConfig config,
        JedisClientConfig serverConfig,
        JedisClientConfig sentinelConfig,
        ConnectionPoolConfig pool) {
      this.client =
          RedisSentinelClient.builder()
              .masterName(config.sentinel().masterName())
              .sentinels(addresses(config.sentinel().nodes()))
              .sentinelClientConfig(sentinelConfig)
              .clientConfig(serverConfig)
              .poolConfig(pool)
              .build();
    }

    @Override
    UnifiedJedis commands() {
      return client;
    }

    /** PING to the master the sentinels last named. */
    @Override
    boolean answersPing(JedisClientConfig probeConfig) {
      return ping(client.getCurrentMaster(), probeConfig);
    }

    /**
     * The current master. Each batch goes to the master of the moment: a scan across a failover
     * goes on, on the new master, with the cursor of the old one (the promoted replica holds the
     * same keys, but not in the same hash table order, so a few may be missed).
     */
    @Override
    List<KeyScanner> masters() {
      return List.of(client::scan);
    }

    @Override
    public void close() {
      client.close();
    }
  }

  static final class Cluster extends RedisClients {
    /**
     * How many times a command may be tried: a MOVED or ASK redirection, or a connection that
     * cannot be opened, uses one attempt. A command whose connection fails once it is sent is not
     * tried again (see {@link SendOnceExecutor}).
     */
    private static final int MAX_ATTEMPTS = 5;

    private final RedisClusterClient client;
    private final ClusterConnectionProvider provider;

    Cluster(RedisStoreConfig config, JedisClientConfig serverConfig, ConnectionPoolConfig pool) {
      Set<HostAndPort> seeds = addresses(config.clusterNodes());
      // Built here, not by the builder, to keep a handle on it: it knows the masters to scan.
      this.provider = new ClusterConnectionProvider(seeds, serverConfig, pool);
      try {
        this.client =
            RedisClusterClient.builder()
                .nodes(seeds)
                .clientConfig(serverConfig)
                .poolConfig(pool)
                .connectionProvider(provider)
                .commandExecutor(
                    new SendOnceExecutor(provider, MAX_ATTEMPTS, config.socketTimeout()))
                .build();
      } catch (RuntimeException e) {
        provider.close();
        throw e;
      }
    }

    @Override
    UnifiedJedis commands() {
      return client;
    }

    /** PING to any node the client knows of, the first that answers. */
    @Override
    boolean answersPing(JedisClientConfig probeConfig) {
      for (String node : client.getClusterNodes().keySet()) {
        if (ping(HostAndPort.from(node), probeConfig)) {
          return true;
        }
      }
      return false;
    }

    /**
     * Every master in the slot map, refreshed first so that a failover or a new master since the
     * last redirection is seen. Keys that move between masters during a scan (resharding) may be
     * missed or seen twice.
     */
    @Override
    List<KeyScanner> masters() {
      provider.renewSlotCache();
      List<KeyScanner> scanners = new ArrayList<>();
      for (Pool<Connection> master : provider.getPrimaryNodesConnectionMap().values()) {
        scanners.add(
            (cursor, params) -> {
              try (Jedis node = new Jedis(master.getResource())) {
                return node.scan(cursor, params);
              }
            });
      }
      return scanners;
    }

    @Override
    public void close() {
      client.close();
    }
  }

  /**
   * Jedis's cluster executor, but a command is sent at most once. Jedis tries a command again when
   * its connection fails, and it cannot tell a connection refused (nothing sent, safe to repeat)
   * from a reply lost (perhaps applied, as a compare-and-set, a GETDEL or a SET NX). This executor
   * keeps the first kind of retry, which a failover needs, and turns a failure once the command is
   * on its way into an error that ends the call: so the cluster client, like the others, never
   * repeats a write on its own (see {@link RedisStore}).
   */
  static final class SendOnceExecutor extends ClusterCommandExecutor {
    SendOnceExecutor(
        ClusterConnectionProvider provider, int maxAttempts, Duration maxTotalRetriesDuration) {
      super(provider, maxAttempts, maxTotalRetriesDuration, StaticCommandFlagsRegistry.registry());
    }

    @Override
    protected <T> T execute(Connection connection, CommandObject<T> command) {
      try {
        return super.execute(connection, command);
      } catch (JedisConnectionException e) {
        // The executor rethrows this type at once, without another attempt.
        throw new JedisClusterOperationException(
            "the connection failed during a command, which may have been applied; not repeated",
            e,
            connection.getHostAndPort());
      }
    }
  }
}
