package dev.cozegateway.adapters.redis;

import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * The gateway's Redis store: owns the pooled Redis client that {@link RedisConnectionStore}, {@link
 * RedisAuthorizationStore}, {@link RedisWorkflowRunStore}, {@link RedisServiceTokenStore} and
 * {@link RedisRefreshLeases} share, and the one daemon thread on which {@link RedisRefreshLeases}
 * renews held leases (started with the first lease). Open it with {@link #open}; close it once, at
 * shutdown: {@link #close()} stops the renewals, then closes the client.
 *
 * <p>Modes (see {@link RedisClients} for the Jedis client of each): one server, a master found
 * through Sentinel, or a Redis Cluster. The stores run the same commands in every mode, through the
 * common {@code UnifiedJedis} API; every multi-key command and script stays within one tenant's
 * hash slot (see {@link Keys} and {@link Scripts}).
 *
 * <p>Every Redis failure (refused or dropped connection, timeout, exhausted pool, AUTH error, no
 * sentinel or cluster node answering, a closed store) becomes {@link GatewayException.Unavailable}
 * with {@code STORE_UNAVAILABLE} and a message fit for clients; the details go to the log. A broken
 * pooled connection is dropped and the next call opens a new one, so the store recovers by itself
 * when Redis comes back. Nothing is retried here, and no client repeats a command once sent (the
 * cluster client is kept from it): a write whose reply was lost may have been applied, and only the
 * caller knows whether repeating it is safe. (The cluster client does send a command again after a
 * MOVED or ASK redirection, which Redis answers instead of running it.)
 *
 * <p>Durability is Redis's: "a write that returns is durable" holds as far as the server's
 * persistence (AOF with {@code appendfsync always}) makes it so. Replication is asynchronous: when
 * Sentinel or the cluster promotes a replica, the writes the old master acknowledged but had not
 * yet sent to it are lost. That is so after a crash, and also after {@code SENTINEL FAILOVER},
 * which does not stop the old master from acknowledging writes until the clients learn of the new
 * one (so pause writes on the old master, {@code CLIENT PAUSE WRITE}, and let the replica catch up
 * before a planned failover).
 *
 * <p>Connection writes can wait for replicas ({@link RedisStoreConfig#withWaitForReplicas}, off by
 * default): then the new token pair is persisted, and acknowledged by that many replicas, before
 * any caller gets the new access token. A {@code put}, or a {@code replaceIfVersion} that wrote, is
 * followed by {@code WAIT} on the same pooled connection (one pipeline; in a cluster, routed by the
 * record's key to the node that took the write), which counts the replicas that have every write of
 * that connection so far. If fewer acknowledged it within the timeout, the write stays applied on
 * the master but the call fails with {@code STORE_UNAVAILABLE}: the caller reports UNAVAILABLE
 * instead of handing out a token that a failover could lose, and its next call finds the record.
 * WAIT makes a loss unlikely, not impossible: Sentinel may still promote a replica that did not
 * acknowledge (one that was not asked, or that fell behind later), and nothing here makes the
 * replica persist it. Authorization writes never WAIT (they can be started again), nor do workflow
 * run writes, service token writes, deletes and refresh leases. Thread-safe.
 */
public final class RedisStore implements AutoCloseable {
  /** The longest a readiness probe waits to connect, and then for PONG. */
  static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);

  /**
   * How long after a failed attempt to reach the sentinels or the cluster the store fails calls at
   * once, rather than trying again: so callers do not queue up behind timeouts while Redis is away.
   */
  static final Duration RECONNECT_INTERVAL = Duration.ofSeconds(1);

  private static final Logger log = LoggerFactory.getLogger(RedisStore.class);

  // Clients see this message: no host names, no library details.
  private static final String UNAVAILABLE = "the gateway's store is unavailable";

  private final RedisStoreConfig config;
  private final JedisClientConfig serverConfig;
  private final JedisClientConfig sentinelConfig;
  private final JedisClientConfig probeConfig;
  private final ConnectionPoolConfig poolConfig;
  private final Keys keys;
  private final ScheduledExecutorService renewals = newRenewalScheduler();
  private final AtomicBoolean closed = new AtomicBoolean();

  private final Object connecting = new Object();
  // Null until the client is built: for Sentinel and Cluster, once they first answer.
  private volatile RedisClients clients;
  // System.nanoTime() of the last failed attempt to build the client; guarded by connecting.
  private long failedAt;
  private boolean failedBefore;

  private RedisStore(RedisStoreConfig config) {
    this.config = config;
    this.serverConfig =
        clientConfig(config, config.connectTimeout(), config.socketTimeout(), config.database());
    this.sentinelConfig = sentinelConfig(config);
    this.probeConfig =
        clientConfig(
            config,
            min(config.connectTimeout(), PROBE_TIMEOUT),
            min(config.socketTimeout(), PROBE_TIMEOUT),
            config.database());
    this.poolConfig = poolConfig(config);
    this.keys = new Keys(config.keyPrefix());
  }

  /**
   * Creates the pooled client. Connections are opened on demand, so Redis need not be up yet: if it
   * cannot be reached now, a warning is logged and calls fail with {@code STORE_UNAVAILABLE} until
   * it can (see {@link #isReachable()} for readiness). In Sentinel and Cluster mode the client
   * itself can only be built once the sentinels or a seed node answer; until then each call (at
   * most one per {@link #RECONNECT_INTERVAL}) tries again.
   */
  public static RedisStore open(RedisStoreConfig config) {
    RedisStore store = new RedisStore(config);
    if (config.mode() == RedisStoreConfig.Mode.STANDALONE) {
      try {
        // Contacts nobody: only a configuration the client rejects fails here.
        store.clients();
      } catch (JedisException e) {
        log.error("Cannot create the Redis client for {}", config, e);
        throw unavailable(e);
      }
    }
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
   * connect and as long for the answer: the server; in Sentinel mode, the master the sentinels
   * name; in Cluster mode, any node. For readiness checks; never throws. False once closed.
   */
  public boolean isReachable() {
    if (closed.get()) {
      return false;
    }
    RedisClients connected;
    try {
      connected = clients();
    } catch (JedisException | IllegalStateException e) {
      log.debug("Redis readiness probe failed: {}", e.toString());
      return false;
    }
    return connected.answersPing(probeConfig);
  }

  /**
   * Stops renewing refresh leases (so that leases still held expire by their TTL), then closes the
   * pools and their connections. Idempotent; later calls fail with STORE_UNAVAILABLE.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      stopRenewals();
      RedisClients built;
      synchronized (connecting) {
        built = clients;
      }
      if (built != null) {
        try {
          built.close();
        } catch (RuntimeException e) {
          log.warn("Closing the Redis client failed", e);
        }
      }
      log.info("Redis store closed: {}", config.target());
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
    return withClients(operation, connected -> command.apply(connected.commands()));
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
   * Runs a write script like {@link #run} and, if the store waits for replicas and {@code wrote}
   * says from the script's reply that it wrote, then sends {@code WAIT} on the same connection (one
   * pipeline, whose connection is held for both; in a cluster, the node of {@code keys.get(0)}).
   * Without waiting for replicas, it is {@link #run}. In a cluster the pipeline follows no MOVED or
   * ASK redirection (a resharding or a failover the client has not seen yet): the call fails with
   * STORE_UNAVAILABLE, nothing applied, and a later call goes to the right node once the client has
   * refreshed its slot map (which any other command's redirection does).
   *
   * @return the script's reply
   * @throws GatewayException.Unavailable STORE_UNAVAILABLE if Redis fails, or if fewer replicas
   *     than configured acknowledged the write within the timeout (it is applied on the master)
   */
  Object runAcknowledged(
      LuaScript script, List<String> keys, List<String> args, Predicate<Object> wrote) {
    int replicas = config.waitReplicas();
    if (replicas == 0) {
      return run(script, keys, args);
    }
    long timeoutMillis = config.waitTimeout().toMillis();
    Acknowledged written =
        call(
            script.name(),
            redis -> {
              try (AbstractPipeline pipeline = redis.pipelined()) {
                Object reply = run(pipeline, script, keys, args);
                if (!wrote.test(reply)) {
                  return new Acknowledged(reply, replicas);
                }
                Response<Long> acks = pipeline.waitReplicas(keys.get(0), replicas, timeoutMillis);
                pipeline.sync();
                return new Acknowledged(reply, acks.get());
              }
            });
    if (written.replicas() < replicas) {
      log.warn(
          "Redis store: {} was applied, but acknowledged by {} of {} replica(s) within {} ms",
          script.name(),
          written.replicas(),
          replicas,
          timeoutMillis);
      throw new GatewayException.Unavailable(
          Reason.STORE_UNAVAILABLE,
          UNAVAILABLE + ": the write was not acknowledged by " + replicas + " replica(s) in time",
          Map.of(),
          null);
    }
    return written.reply();
  }

  /** A script's reply, and how many replicas acknowledged the write. */
  private record Acknowledged(Object reply, long replicas) {}

  /** {@link #run}, in a pipeline: the script's reply, read before this returns. */
  private static Object run(
      AbstractPipeline pipeline, LuaScript script, List<String> keys, List<String> args) {
    Response<Object> reply = pipeline.evalsha(script.sha1(), keys, args);
    pipeline.sync();
    try {
      return reply.get();
    } catch (JedisNoScriptException e) {
      Response<Object> again = pipeline.eval(script.source(), keys, args);
      pipeline.sync();
      return again.get();
    }
  }

  /**
   * SCANs every master for the keys that match {@code pattern}, about {@code batchSize} at a time,
   * and hands each batch (without duplicates within it) to {@code batches}. No connection is held
   * while a batch is handled, so the consumer may use the store, and write to it: SCAN returns
   * every key that exists throughout the scan at least once, whatever is written meanwhile, and may
   * return a key more than once.
   */
  void scan(String operation, String pattern, int batchSize, Consumer<List<String>> batches) {
    ScanParams params = new ScanParams().match(pattern).count(batchSize);
    List<RedisClients.KeyScanner> masters = withClients(operation, RedisClients::masters);
    for (RedisClients.KeyScanner master : masters) {
      String cursor = ScanParams.SCAN_POINTER_START;
      do {
        String from = cursor;
        ScanResult<String> batch = withClients(operation, ignored -> master.scan(from, params));
        cursor = batch.getCursor();
        if (!batch.getResult().isEmpty()) {
          batches.accept(List.copyOf(new LinkedHashSet<>(batch.getResult())));
        }
      } while (!ScanParams.SCAN_POINTER_START.equals(cursor));
    }
  }

  /** Runs one call with the clients, turning any Redis failure into STORE_UNAVAILABLE. */
  private <T> T withClients(String operation, Function<RedisClients, T> command) {
    if (closed.get()) {
      throw unavailable(null);
    }
    try {
      return command.apply(clients());
    } catch (JedisException | IllegalStateException e) {
      // IllegalStateException: the pool was closed under a call racing with close() or with a
      // Sentinel failover that replaced it.
      log.warn("Redis store: {} failed", operation, e);
      throw unavailable(e);
    }
  }

  /**
   * The clients, built on first use. A failed build is not tried again before {@link
   * #RECONNECT_INTERVAL} has passed: until then, calls fail at once.
   *
   * @throws JedisException if they cannot be built now
   * @throws IllegalStateException once the store is closed
   */
  private RedisClients clients() {
    RedisClients built = clients;
    if (built != null) {
      return built;
    }
    synchronized (connecting) {
      if (closed.get()) {
        throw new IllegalStateException("the Redis store is closed");
      }
      if (clients != null) {
        return clients;
      }
      if (failedBefore && System.nanoTime() - failedAt < RECONNECT_INTERVAL.toNanos()) {
        throw new JedisConnectionException(
            "could not reach " + config.target() + " less than a second ago; not trying yet");
      }
      try {
        clients = RedisClients.connect(config, serverConfig, sentinelConfig, poolConfig);
        if (failedBefore) {
          log.info("Redis store connected: {}", config.target());
        }
        failedBefore = false;
        return clients;
      } catch (JedisException e) {
        failedBefore = true;
        failedAt = System.nanoTime();
        throw e;
      }
    }
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

  private static ConnectionPoolConfig poolConfig(RedisStoreConfig config) {
    ConnectionPoolConfig pool = new ConnectionPoolConfig();
    pool.setMaxTotal(config.poolSize());
    pool.setMaxIdle(config.poolSize());
    pool.setMinIdle(0);
    // Never wait without bound for a free connection: that would hang a gRPC call.
    pool.setMaxWait(config.socketTimeout());
    pool.setJmxEnabled(false);
    return pool;
  }

  private static JedisClientConfig clientConfig(
      RedisStoreConfig config, Duration connectTimeout, Duration socketTimeout, int database) {
    DefaultJedisClientConfig.Builder builder =
        DefaultJedisClientConfig.builder()
            // RESP2 everywhere: replies (and script replies) keep one shape whatever the server.
            .resp2()
            .connectionTimeoutMillis(Math.toIntExact(connectTimeout.toMillis()))
            .socketTimeoutMillis(Math.toIntExact(socketTimeout.toMillis()))
            .database(database)
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

  /** For the sentinels: their own AUTH, no database (they have none). */
  private static JedisClientConfig sentinelConfig(RedisStoreConfig config) {
    DefaultJedisClientConfig.Builder builder =
        DefaultJedisClientConfig.builder()
            .resp2()
            .connectionTimeoutMillis(Math.toIntExact(config.connectTimeout().toMillis()))
            .socketTimeoutMillis(Math.toIntExact(config.socketTimeout().toMillis()))
            .ssl(config.tls())
            .clientName("coze-gateway");
    RedisStoreConfig.Sentinel sentinel = config.sentinel();
    if (sentinel != null && sentinel.user() != null) {
      builder.user(sentinel.user());
    }
    if (sentinel != null && sentinel.password() != null) {
      builder.password(sentinel.password().reveal());
    }
    return builder.build();
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
