package dev.cozegateway.adapters.redis;

import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * The gateway's Redis store: owns the pooled Redis client that {@link RedisConnectionStore}, {@link
 * RedisAuthorizationStore} and {@link RedisRefreshLeases} share, and the one daemon thread on which
 * {@link RedisRefreshLeases} renews held leases (started with the first lease). Open it with {@link
 * #open}; close it once, at shutdown: {@link #close()} stops the renewals, then closes the client.
 *
 * <p>Every Redis failure (refused or dropped connection, timeout, exhausted pool, AUTH error, a
 * closed store) becomes {@link GatewayException.Unavailable} with {@code STORE_UNAVAILABLE} and a
 * message fit for clients; the details go to the log. A broken pooled connection is dropped and the
 * next call opens a new one, so the store recovers by itself when Redis comes back. Nothing is
 * retried here: a write whose reply was lost may have been applied, and only the caller knows
 * whether repeating it is safe.
 *
 * <p>Durability is Redis's: "a write that returns is durable" holds as far as the server's
 * persistence (AOF with {@code appendfsync always}, or replication with WAIT) is configured to make
 * it so. Thread-safe.
 */
public final class RedisStore implements AutoCloseable {
  /** The longest a readiness probe waits to connect, and then for PONG. */
  static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);

  private static final Logger log = LoggerFactory.getLogger(RedisStore.class);

  // Clients see this message: no host names, no library details.
  private static final String UNAVAILABLE = "the gateway's store is unavailable";

  private final RedisClient client;
  private final RedisStoreConfig config;
  private final JedisClientConfig probeConfig;
  private final Keys keys;
  private final ScheduledExecutorService renewals = newRenewalScheduler();
  private final AtomicBoolean closed = new AtomicBoolean();

  private RedisStore(RedisClient client, RedisStoreConfig config) {
    this.client = client;
    this.config = config;
    this.probeConfig =
        clientConfig(
            config,
            min(config.connectTimeout(), PROBE_TIMEOUT),
            min(config.socketTimeout(), PROBE_TIMEOUT));
    this.keys = new Keys(config.keyPrefix());
  }

  /**
   * Creates the pooled client. Connections are opened on demand, so Redis need not be up yet: if it
   * cannot be reached now, a warning is logged and calls fail with {@code STORE_UNAVAILABLE} until
   * it can (see {@link #isReachable()} for readiness).
   */
  public static RedisStore open(RedisStoreConfig config) {
    ConnectionPoolConfig pool = new ConnectionPoolConfig();
    pool.setMaxTotal(config.poolSize());
    pool.setMaxIdle(config.poolSize());
    pool.setMinIdle(0);
    // Never wait without bound for a free connection: that would hang a gRPC call.
    pool.setMaxWait(config.socketTimeout());
    pool.setJmxEnabled(false);
    RedisClient client;
    try {
      client =
          RedisClient.builder()
              .hostAndPort(config.host(), config.port())
              .clientConfig(clientConfig(config, config.connectTimeout(), config.socketTimeout()))
              .poolConfig(pool)
              .build();
    } catch (JedisException e) {
      log.error("Cannot create the Redis client for {}", config, e);
      throw unavailable(e);
    }
    RedisStore store = new RedisStore(client, config);
    if (store.isReachable()) {
      log.info("Redis store opened: {}", config);
    } else {
      log.warn("Redis store opened, but Redis does not answer yet: {}", config);
    }
    return store;
  }

  /**
   * Whether Redis answers PING now, on a new connection (with AUTH and TLS as configured) that
   * waits at most {@link #PROBE_TIMEOUT} (1 s, or less if the configured timeouts are shorter) to
   * connect and as long for the answer. For readiness checks; never throws. False once closed.
   */
  public boolean isReachable() {
    if (closed.get()) {
      return false;
    }
    try (Jedis probe = new Jedis(new HostAndPort(config.host(), config.port()), probeConfig)) {
      return "PONG".equals(probe.ping());
    } catch (JedisException e) {
      log.debug("Redis readiness probe failed: {}", e.toString());
      return false;
    }
  }

  /**
   * Stops renewing refresh leases (so that leases still held expire by their TTL), then closes the
   * pool and its connections. Idempotent; later calls fail with STORE_UNAVAILABLE.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      stopRenewals();
      try {
        client.close();
        log.info("Redis store closed: {}:{}", config.host(), config.port());
      } catch (RuntimeException e) {
        log.warn("Closing the Redis client failed", e);
      }
    }
  }

  Keys keys() {
    return keys;
  }

  /** Where {@link RedisRefreshLeases} schedules its renewals; shut down by {@link #close()}. */
  ScheduledExecutorService renewals() {
    return renewals;
  }

  /**
   * A scheduler for lease renewals: one daemon thread, created with the first task, that drops
   * cancelled renewals at once and runs none after shutdown.
   */
  static ScheduledThreadPoolExecutor newRenewalScheduler() {
    ScheduledThreadPoolExecutor scheduler =
        new ScheduledThreadPoolExecutor(
            1,
            task -> {
              Thread thread = new Thread(task, "redis-refresh-lease-renewal");
              thread.setDaemon(true);
              return thread;
            });
    scheduler.setRemoveOnCancelPolicy(true);
    scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    scheduler.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
    return scheduler;
  }

  /** Runs one call on the pooled client, turning any Redis failure into STORE_UNAVAILABLE. */
  <T> T call(String operation, Function<UnifiedJedis, T> command) {
    if (closed.get()) {
      throw unavailable(null);
    }
    try {
      return command.apply(client);
    } catch (JedisException | IllegalStateException e) {
      // IllegalStateException: the pool was closed under a call racing with close().
      log.warn("Redis store: {} failed", operation, e);
      throw unavailable(e);
    }
  }

  /** STORE_UNAVAILABLE, with the message clients see. */
  static GatewayException.Unavailable unavailable(Throwable cause) {
    return new GatewayException.Unavailable(Reason.STORE_UNAVAILABLE, UNAVAILABLE, Map.of(), cause);
  }

  /** Runs a script by its SHA-1, loading it first if the server does not know it. */
  Object run(LuaScript script, List<String> keys, List<String> args) {
    return call(
        script.name(),
        redis -> {
          try {
            return redis.evalsha(script.sha1(), keys, args);
          } catch (JedisNoScriptException e) {
            return redis.eval(script.source(), keys, args);
          }
        });
  }

  /**
   * Cancels every renewal and waits for one in flight, if any, so that none reaches Redis after
   * close. A renewal's call ends within the connect and socket timeouts, which bound the wait.
   */
  private void stopRenewals() {
    renewals.shutdownNow();
    Duration longestCall = config.connectTimeout().plus(config.socketTimeout());
    try {
      if (!renewals.awaitTermination(longestCall.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("A refresh lease renewal was still running when the Redis store closed");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static JedisClientConfig clientConfig(
      RedisStoreConfig config, Duration connectTimeout, Duration socketTimeout) {
    DefaultJedisClientConfig.Builder builder =
        DefaultJedisClientConfig.builder()
            // RESP2 everywhere: replies (and script replies) keep one shape whatever the server.
            .resp2()
            .connectionTimeoutMillis(Math.toIntExact(connectTimeout.toMillis()))
            .socketTimeoutMillis(Math.toIntExact(socketTimeout.toMillis()))
            .database(config.database())
            .ssl(config.tls())
            .clientName("coze-gateway");
    if (config.user() != null) {
      builder.user(config.user());
    }
    if (config.password() != null) {
      builder.password(config.password().reveal());
    }
    return builder.build();
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
