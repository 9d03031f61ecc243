package dev.cozegateway.adapters.redis;

import dev.cozegateway.domain.Secret;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * How to reach the Redis that stores connections and authorizations. Validated on construction: a
 * bad value throws {@link IllegalArgumentException} whose message lists every problem, each
 * starting with its configuration key ({@code store.redis.host: ...}).
 *
 * <p>Build it with {@link #standalone(String, int)} and the {@code with...} methods rather than the
 * canonical constructor: Sentinel and Cluster will add components (see {@link Mode}), and callers
 * that use the factory and withers will not have to change.
 *
 * @param mode how the gateway finds its Redis; {@code store.redis.mode}
 * @param host the Redis server's host; {@code store.redis.host}
 * @param port the Redis server's port; {@code store.redis.port}
 * @param user the ACL user, or {@code null} for the default user; {@code store.redis.user}
 * @param password the password, or {@code null} for a server without AUTH; {@code
 *     store.redis.password}. Never printed by {@link #toString()}.
 * @param tls whether to connect over TLS (with the JVM's trust store); {@code store.redis.tls}
 * @param database the logical database; {@code store.redis.database}
 * @param keyPrefix the start of every key this store writes, so that several gateways (or other
 *     applications) can share one Redis; {@code store.redis.key-prefix}
 * @param connectTimeout the limit on opening a connection; {@code store.redis.connect-timeout}
 * @param socketTimeout the limit on one command's reply, and on waiting for a free pooled
 *     connection; {@code store.redis.socket-timeout}
 * @param poolSize the most connections the gateway opens; {@code store.redis.pool-size}
 */
public record RedisStoreConfig(
    Mode mode,
    String host,
    int port,
    String user,
    Secret password,
    boolean tls,
    int database,
    String keyPrefix,
    Duration connectTimeout,
    Duration socketTimeout,
    int poolSize) {

  /**
   * How the gateway finds its Redis. Only {@link #STANDALONE} is built. The plan for the others,
   * which the record is shaped for:
   *
   * <ul>
   *   <li>{@code SENTINEL}: new components {@code sentinelMaster} (the master's name) and {@code
   *       sentinels} (a list of host:port), built with Jedis's Sentinel client builder; {@code
   *       host}/{@code port} are then unused.
   *   <li>{@code CLUSTER}: a new component {@code clusterNodes} (seed host:port list), built with
   *       Jedis's cluster client builder; {@code database} must then be 0. The key layout is
   *       already cluster-ready: every key of a tenant carries the tenant's hash tag.
   * </ul>
   */
  public enum Mode {
    /** One Redis server (or a proxy in front of several) at {@code host}:{@code port}. */
    STANDALONE
  }

  public static final String DEFAULT_KEY_PREFIX = "cozegw:";
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
  public static final Duration DEFAULT_SOCKET_TIMEOUT = Duration.ofSeconds(2);
  public static final int DEFAULT_POOL_SIZE = 16;
  static final int MAX_POOL_SIZE = 1024;
  static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);

  // No '{' or '}': the prefix precedes the tenant's hash tag, and a brace in it would move the tag.
  private static final Pattern KEY_PREFIX = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

  public RedisStoreConfig {
    List<String> problems = new ArrayList<>();
    if (mode == null) {
      problems.add("store.redis.mode: must be STANDALONE (the only mode in this version)");
    }
    if (host == null || host.isBlank()) {
      problems.add("store.redis.host: must not be empty");
    }
    if (port < 1 || port > 65535) {
      problems.add("store.redis.port: must be 1-65535, got " + port);
    }
    if (user != null && user.isBlank()) {
      problems.add("store.redis.user: must not be blank when set (leave it out for the default)");
    }
    if (user != null && password == null) {
      problems.add("store.redis.user: needs store.redis.password");
    }
    if (password != null && password.reveal().isEmpty()) {
      problems.add("store.redis.password: must not be empty when set");
    }
    if (database < 0) {
      problems.add("store.redis.database: must be 0 or more, got " + database);
    }
    if (keyPrefix == null || !KEY_PREFIX.matcher(keyPrefix).matches()) {
      problems.add(
          "store.redis.key-prefix: must be 1-64 characters of letters, digits, '.', '_', ':' and"
              + " '-' (no braces: they would change the cluster hash tag), got '"
              + keyPrefix
              + "'");
    }
    checkTimeout("store.redis.connect-timeout", connectTimeout, problems);
    checkTimeout("store.redis.socket-timeout", socketTimeout, problems);
    if (poolSize < 1 || poolSize > MAX_POOL_SIZE) {
      problems.add("store.redis.pool-size: must be 1-" + MAX_POOL_SIZE + ", got " + poolSize);
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
  }

  /** A server at {@code host}:{@code port} without AUTH or TLS, with every other default. */
  public static RedisStoreConfig standalone(String host, int port) {
    return new RedisStoreConfig(
        Mode.STANDALONE,
        host,
        port,
        null,
        null,
        false,
        0,
        DEFAULT_KEY_PREFIX,
        DEFAULT_CONNECT_TIMEOUT,
        DEFAULT_SOCKET_TIMEOUT,
        DEFAULT_POOL_SIZE);
  }

  /** With AUTH as the default user ({@code null}: no AUTH). */
  public RedisStoreConfig withPassword(Secret newPassword) {
    return new RedisStoreConfig(
        mode,
        host,
        port,
        user,
        newPassword,
        tls,
        database,
        keyPrefix,
        connectTimeout,
        socketTimeout,
        poolSize);
  }

  /** With AUTH as an ACL user. */
  public RedisStoreConfig withUser(String newUser, Secret newPassword) {
    return new RedisStoreConfig(
        mode,
        host,
        port,
        newUser,
        newPassword,
        tls,
        database,
        keyPrefix,
        connectTimeout,
        socketTimeout,
        poolSize);
  }

  public RedisStoreConfig withTls(boolean newTls) {
    return new RedisStoreConfig(
        mode,
        host,
        port,
        user,
        password,
        newTls,
        database,
        keyPrefix,
        connectTimeout,
        socketTimeout,
        poolSize);
  }

  public RedisStoreConfig withDatabase(int newDatabase) {
    return new RedisStoreConfig(
        mode,
        host,
        port,
        user,
        password,
        tls,
        newDatabase,
        keyPrefix,
        connectTimeout,
        socketTimeout,
        poolSize);
  }

  public RedisStoreConfig withKeyPrefix(String newKeyPrefix) {
    return new RedisStoreConfig(
        mode,
        host,
        port,
        user,
        password,
        tls,
        database,
        newKeyPrefix,
        connectTimeout,
        socketTimeout,
        poolSize);
  }

  public RedisStoreConfig withTimeouts(Duration newConnectTimeout, Duration newSocketTimeout) {
    return new RedisStoreConfig(
        mode,
        host,
        port,
        user,
        password,
        tls,
        database,
        keyPrefix,
        newConnectTimeout,
        newSocketTimeout,
        poolSize);
  }

  public RedisStoreConfig withPoolSize(int newPoolSize) {
    return new RedisStoreConfig(
        mode,
        host,
        port,
        user,
        password,
        tls,
        database,
        keyPrefix,
        connectTimeout,
        socketTimeout,
        newPoolSize);
  }

  /** Every setting but the password, of which it says only whether one is set. */
  @Override
  public String toString() {
    return "RedisStoreConfig[mode="
        + mode
        + ", host="
        + host
        + ", port="
        + port
        + ", user="
        + user
        + ", password="
        + (password == null ? "(none)" : "(set)")
        + ", tls="
        + tls
        + ", database="
        + database
        + ", keyPrefix="
        + keyPrefix
        + ", connectTimeout="
        + connectTimeout
        + ", socketTimeout="
        + socketTimeout
        + ", poolSize="
        + poolSize
        + "]";
  }

  private static void checkTimeout(String key, Duration timeout, List<String> problems) {
    if (timeout == null || timeout.toMillis() < 1 || timeout.compareTo(MAX_TIMEOUT) > 0) {
      problems.add(
          key + ": must be between 1ms and " + MAX_TIMEOUT.toMinutes() + "m, got " + timeout);
    }
  }
}
