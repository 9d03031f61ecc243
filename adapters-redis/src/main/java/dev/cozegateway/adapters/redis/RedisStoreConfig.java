package dev.cozegateway.adapters.redis;

import dev.cozegateway.domain.Secret;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * How to reach the Redis that stores connections and authorizations. Validated on construction: a
 * bad value throws {@link IllegalArgumentException} whose message lists every problem, each
 * starting with its configuration key ({@code store.redis.host: ...}).
 *
 * <p>Build it with {@link #standalone(String, int)}, {@link #sentinel(String, List)} or {@link
 * #cluster(List)} and the {@code with...} methods rather than the canonical constructor, which
 * grows when a mode does; callers that use the factories and withers do not have to change.
 *
 * @param mode how the gateway finds its Redis; {@code store.redis.mode}
 * @param host the Redis server's host, in {@link Mode#STANDALONE} only (else {@code null}); {@code
 *     store.redis.host}
 * @param port the Redis server's port, in {@link Mode#STANDALONE} only (else 0); {@code
 *     store.redis.port}
 * @param sentinel the master's name and the sentinels that know where it is, in {@link
 *     Mode#SENTINEL} only (else {@code null}); {@code store.redis.sentinel.*}
 * @param clusterNodes some nodes of the cluster, from which the client learns the rest, in {@link
 *     Mode#CLUSTER} only (else empty); {@code store.redis.cluster.nodes}
 * @param user the ACL user on the Redis servers (not the sentinels), or {@code null} for the
 *     default user; {@code store.redis.user}
 * @param password the password on the Redis servers (not the sentinels), or {@code null} for
 *     servers without AUTH; {@code store.redis.password}. Never printed by {@link #toString()}.
 * @param tls whether to connect over TLS (with the JVM's trust store), to the servers and the
 *     sentinels alike; {@code store.redis.tls}
 * @param database the logical database; {@code store.redis.database}. Always 0 in a cluster.
 * @param keyPrefix the start of every key this store writes, so that several gateways (or other
 *     applications) can share one Redis; {@code store.redis.key-prefix}
 * @param connectTimeout the limit on opening a connection; {@code store.redis.connect-timeout}
 * @param socketTimeout the limit on one command's reply, and on waiting for a free pooled
 *     connection; {@code store.redis.socket-timeout}
 * @param poolSize the most connections the gateway opens to each Redis server (in a cluster, to
 *     each node); {@code store.redis.pool-size}
 * @param waitReplicas how many replicas must acknowledge a connection write ({@code put}, and a
 *     {@code replaceIfVersion} that wrote) before it returns: 0 (the default) waits for none, 1-5
 *     sends {@code WAIT waitReplicas waitTimeout} after the write, on the same connection. A write
 *     that fewer replicas acknowledged in time stays applied on the master, but the call fails with
 *     {@code STORE_UNAVAILABLE}, so that the caller does not hand out a token pair (Coze refresh
 *     tokens are single-use) that a failover to one of those replicas would lose. See {@link
 *     RedisStore} for what this does and does not guarantee; {@code store.redis.wait-replicas}
 * @param waitTimeout how long WAIT waits for the replicas' acknowledgements: 1 ms or more, and,
 *     when {@code waitReplicas} is not 0, less than {@code socketTimeout} (the client would
 *     otherwise give up on the reply first); {@code store.redis.wait-timeout}
 */
public record RedisStoreConfig(
    Mode mode,
    String host,
    int port,
    Sentinel sentinel,
    List<Node> clusterNodes,
    String user,
    Secret password,
    boolean tls,
    int database,
    String keyPrefix,
    Duration connectTimeout,
    Duration socketTimeout,
    int poolSize,
    int waitReplicas,
    Duration waitTimeout) {

  /** How the gateway finds its Redis. */
  public enum Mode {
    /** One Redis server (or a proxy in front of several) at {@code host}:{@code port}. */
    STANDALONE,
    /**
     * A master with replicas, watched by Redis Sentinel: the client asks the sentinels where the
     * master is, and follows it when they fail over to a replica.
     */
    SENTINEL,
    /**
     * A Redis Cluster: the client learns the slot map from the seed nodes and sends each command to
     * the master of its key's slot. Every key of a tenant carries the tenant's hash tag, so each
     * store operation stays within one slot.
     */
    CLUSTER
  }

  /**
   * A server's address.
   *
   * @param host a host name or IP address
   * @param port 1-65535
   */
  public record Node(String host, int port) {
    /**
     * Parses {@code host:port}; an IPv6 address goes in brackets ({@code [::1]:6379}).
     *
     * @throws IllegalArgumentException if it is not {@code host:port} with a numeric port
     */
    public static Node parse(String hostAndPort) {
      int colon = hostAndPort == null ? -1 : hostAndPort.lastIndexOf(':');
      if (colon <= 0 || colon == hostAndPort.length() - 1) {
        throw new IllegalArgumentException("expected host:port, got '" + hostAndPort + "'");
      }
      String host = hostAndPort.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      try {
        return new Node(host, Integer.parseInt(hostAndPort.substring(colon + 1)));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("expected host:port, got '" + hostAndPort + "'", e);
      }
    }

    @Override
    public String toString() {
      return (host != null && host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
  }

  /**
   * Where the sentinels are and which master to ask them for.
   *
   * @param masterName the name the sentinels monitor the master under ({@code sentinel monitor
   *     <name> ...}); {@code store.redis.sentinel.master-name}
   * @param nodes the sentinels; {@code store.redis.sentinel.nodes}
   * @param user the ACL user on the sentinels, or {@code null} for the default user; {@code
   *     store.redis.sentinel.user}
   * @param password the password on the sentinels, or {@code null} for sentinels without AUTH;
   *     {@code store.redis.sentinel.password}. Never printed by {@link #toString()}.
   */
  public record Sentinel(String masterName, List<Node> nodes, String user, Secret password) {
    public Sentinel {
      // Null entries are kept, for RedisStoreConfig to report with their key.
      nodes = nodes == null ? null : Collections.unmodifiableList(new ArrayList<>(nodes));
    }

    /** Every setting but the password, of which it says only whether one is set. */
    @Override
    public String toString() {
      return "Sentinel[masterName="
          + masterName
          + ", nodes="
          + nodes
          + ", user="
          + user
          + ", password="
          + (password == null ? "(none)" : "(set)")
          + "]";
    }
  }

  public static final String DEFAULT_KEY_PREFIX = "cozegw:";
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
  public static final Duration DEFAULT_SOCKET_TIMEOUT = Duration.ofSeconds(2);
  public static final int DEFAULT_POOL_SIZE = 16;
  public static final Duration DEFAULT_WAIT_TIMEOUT = Duration.ofSeconds(1);
  static final int MAX_WAIT_REPLICAS = 5;
  static final int MAX_POOL_SIZE = 1024;
  static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);

  // No '{' or '}': the prefix precedes the tenant's hash tag, and a brace in it would move the tag.
  // No glob characters either ('*', '?', '[', '\'), so the prefix can start a SCAN pattern as is.
  private static final Pattern KEY_PREFIX = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
  // What Sentinel accepts in a master name, less what would need quoting in sentinel.conf.
  private static final Pattern MASTER_NAME = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  public RedisStoreConfig {
    // Null entries are kept, to be reported with their key.
    clusterNodes =
        clusterNodes == null
            ? List.of()
            : Collections.unmodifiableList(new ArrayList<>(clusterNodes));
    List<String> problems = new ArrayList<>();
    if (mode == null) {
      problems.add("store.redis.mode: must be one of STANDALONE, SENTINEL, CLUSTER");
    } else {
      checkMode(mode, host, port, sentinel, clusterNodes, database, problems);
    }
    checkAuth("store.redis.user", user, "store.redis.password", password, problems);
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
    if (waitReplicas < 0 || waitReplicas > MAX_WAIT_REPLICAS) {
      problems.add(
          "store.redis.wait-replicas: must be 0-" + MAX_WAIT_REPLICAS + ", got " + waitReplicas);
    }
    checkTimeout("store.redis.wait-timeout", waitTimeout, problems);
    if (waitReplicas > 0
        && waitTimeout != null
        && socketTimeout != null
        && waitTimeout.compareTo(socketTimeout) >= 0) {
      problems.add(
          "store.redis.wait-timeout: must be shorter than store.redis.socket-timeout ("
              + socketTimeout
              + ") when store.redis.wait-replicas is set, got "
              + waitTimeout);
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
  }

  /** A server at {@code host}:{@code port} without AUTH or TLS, with every other default. */
  public static RedisStoreConfig standalone(String host, int port) {
    return create(Mode.STANDALONE, c -> c.host = host, c -> c.port = port);
  }

  /**
   * The master that the given sentinels know as {@code masterName}, with no AUTH (on the servers or
   * the sentinels) or TLS, and every other default.
   */
  public static RedisStoreConfig sentinel(String masterName, List<Node> sentinels) {
    return create(Mode.SENTINEL, c -> c.sentinel = new Sentinel(masterName, sentinels, null, null));
  }

  /**
   * The cluster that the given seed nodes belong to (some are enough: the client learns the others
   * from them), without AUTH or TLS, with every other default.
   */
  public static RedisStoreConfig cluster(List<Node> seedNodes) {
    return create(Mode.CLUSTER, c -> c.clusterNodes = seedNodes);
  }

  /** With AUTH as the default user on the Redis servers ({@code null}: no AUTH). */
  public RedisStoreConfig withPassword(Secret newPassword) {
    return with(c -> c.password = newPassword);
  }

  /** With AUTH as an ACL user on the Redis servers. */
  public RedisStoreConfig withUser(String newUser, Secret newPassword) {
    return with(c -> c.user = newUser, c -> c.password = newPassword);
  }

  /**
   * With AUTH on the sentinels: as {@code newUser}, or as the default user if it is {@code null};
   * no AUTH if both are {@code null}. Only in {@link Mode#SENTINEL}.
   *
   * @throws IllegalArgumentException in another mode
   */
  public RedisStoreConfig withSentinelAuth(String newUser, Secret newPassword) {
    if (sentinel == null) {
      throw new IllegalArgumentException(
          "store.redis.sentinel.user: only in mode SENTINEL, not " + mode);
    }
    return with(
        c ->
            c.sentinel =
                new Sentinel(sentinel.masterName(), sentinel.nodes(), newUser, newPassword));
  }

  public RedisStoreConfig withTls(boolean newTls) {
    return with(c -> c.tls = newTls);
  }

  public RedisStoreConfig withDatabase(int newDatabase) {
    return with(c -> c.database = newDatabase);
  }

  public RedisStoreConfig withKeyPrefix(String newKeyPrefix) {
    return with(c -> c.keyPrefix = newKeyPrefix);
  }

  public RedisStoreConfig withTimeouts(Duration newConnectTimeout, Duration newSocketTimeout) {
    return with(c -> c.connectTimeout = newConnectTimeout, c -> c.socketTimeout = newSocketTimeout);
  }

  public RedisStoreConfig withPoolSize(int newPoolSize) {
    return with(c -> c.poolSize = newPoolSize);
  }

  /**
   * With the connection writes ({@code put}, and a {@code replaceIfVersion} that wrote) followed by
   * {@code WAIT replicas timeout} on the same connection, and failing with {@code
   * STORE_UNAVAILABLE} (though applied) when fewer than {@code replicas} acknowledged them in time;
   * 0 turns it off (the default). Authorization writes never WAIT: they can be started again (a
   * lost authorization only makes its user authorize again). Refresh lease writes do not WAIT
   * either.
   */
  public RedisStoreConfig withWaitForReplicas(int replicas, Duration timeout) {
    return with(c -> c.waitReplicas = replicas, c -> c.waitTimeout = timeout);
  }

  /** The factories' defaults in {@code mode}, changed by {@code changes} in order, validated. */
  @SafeVarargs
  private static RedisStoreConfig create(Mode mode, Consumer<Copy>... changes) {
    return new Copy(mode).build(changes);
  }

  /** This configuration changed by {@code changes} in order, validated again. */
  @SafeVarargs
  private RedisStoreConfig with(Consumer<Copy>... changes) {
    return new Copy(this).build(changes);
  }

  /**
   * A configuration's components, open to change, for the factories and withers: {@link
   * #build(Consumer[])} is the one place that calls the canonical constructor, which validates.
   */
  private static final class Copy {
    Mode mode;
    String host;
    int port;
    Sentinel sentinel;
    List<Node> clusterNodes = List.of();
    String user;
    Secret password;
    boolean tls;
    int database;
    String keyPrefix = DEFAULT_KEY_PREFIX;
    Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    Duration socketTimeout = DEFAULT_SOCKET_TIMEOUT;
    int poolSize = DEFAULT_POOL_SIZE;
    int waitReplicas;
    Duration waitTimeout = DEFAULT_WAIT_TIMEOUT;

    /** The factories' defaults: no AUTH, no TLS, database 0, no WAIT. */
    Copy(Mode mode) {
      this.mode = mode;
    }

    Copy(RedisStoreConfig from) {
      mode = from.mode;
      host = from.host;
      port = from.port;
      sentinel = from.sentinel;
      clusterNodes = from.clusterNodes;
      user = from.user;
      password = from.password;
      tls = from.tls;
      database = from.database;
      keyPrefix = from.keyPrefix;
      connectTimeout = from.connectTimeout;
      socketTimeout = from.socketTimeout;
      poolSize = from.poolSize;
      waitReplicas = from.waitReplicas;
      waitTimeout = from.waitTimeout;
    }

    /** Applies {@code changes} in order, then validates through the canonical constructor. */
    RedisStoreConfig build(Consumer<Copy>[] changes) {
      for (Consumer<Copy> change : changes) {
        change.accept(this);
      }
      return new RedisStoreConfig(
          mode,
          host,
          port,
          sentinel,
          clusterNodes,
          user,
          password,
          tls,
          database,
          keyPrefix,
          connectTimeout,
          socketTimeout,
          poolSize,
          waitReplicas,
          waitTimeout);
    }
  }

  /**
   * Where the store connects, for logs: the server, the sentinels and master name, or the seeds.
   */
  String target() {
    return switch (mode) {
      case STANDALONE -> new Node(host, port).toString();
      case SENTINEL -> "master " + sentinel.masterName() + " via sentinels " + sentinel.nodes();
      case CLUSTER -> "cluster via " + clusterNodes;
    };
  }

  /** Every setting but the passwords, of which it says only whether one is set. */
  @Override
  public String toString() {
    return "RedisStoreConfig[mode="
        + mode
        + ", host="
        + host
        + ", port="
        + port
        + ", sentinel="
        + sentinel
        + ", clusterNodes="
        + clusterNodes
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
        + ", waitReplicas="
        + waitReplicas
        + ", waitTimeout="
        + waitTimeout
        + "]";
  }

  private static void checkMode(
      Mode mode,
      String host,
      int port,
      Sentinel sentinel,
      List<Node> clusterNodes,
      int database,
      List<String> problems) {
    if (mode == Mode.STANDALONE) {
      if (host == null || host.isBlank()) {
        problems.add("store.redis.host: must not be empty");
      }
      if (port < 1 || port > 65535) {
        problems.add("store.redis.port: must be 1-65535, got " + port);
      }
    } else {
      // Set but unused would be a misconfiguration that nothing reports later.
      if (host != null) {
        problems.add("store.redis.host: only in mode STANDALONE, not " + mode);
      }
      if (port != 0) {
        problems.add("store.redis.port: only in mode STANDALONE, not " + mode);
      }
    }

    if (mode == Mode.SENTINEL) {
      Sentinel s = sentinel == null ? new Sentinel(null, null, null, null) : sentinel;
      if (s.masterName() == null || !MASTER_NAME.matcher(s.masterName()).matches()) {
        problems.add(
            "store.redis.sentinel.master-name: must be 1-128 characters of letters, digits, '.',"
                + " '_', ':' and '-', got '"
                + s.masterName()
                + "'");
      }
      checkNodes("store.redis.sentinel.nodes", "sentinel", s.nodes(), problems);
      checkAuth(
          "store.redis.sentinel.user",
          s.user(),
          "store.redis.sentinel.password",
          s.password(),
          problems);
    } else if (sentinel != null) {
      problems.add("store.redis.sentinel: only in mode SENTINEL, not " + mode);
    }

    if (mode == Mode.CLUSTER) {
      checkNodes("store.redis.cluster.nodes", "cluster node", clusterNodes, problems);
      if (database != 0) {
        problems.add(
            "store.redis.database: must be 0 in mode CLUSTER (a cluster has no other), got "
                + database);
      }
    } else if (!clusterNodes.isEmpty()) {
      problems.add("store.redis.cluster.nodes: only in mode CLUSTER, not " + mode);
    }
  }

  private static void checkNodes(String key, String what, List<Node> nodes, List<String> problems) {
    if (nodes == null || nodes.isEmpty()) {
      problems.add(key + ": must list at least one " + what + " as host:port");
      return;
    }
    Set<Node> seen = new HashSet<>();
    for (int i = 0; i < nodes.size(); i++) {
      Node node = nodes.get(i);
      String at = key + "[" + i + "]: ";
      if (node == null) {
        problems.add(at + "must not be empty");
        continue;
      }
      if (node.host() == null || node.host().isBlank()) {
        problems.add(at + "the host must not be empty");
      }
      if (node.port() < 1 || node.port() > 65535) {
        problems.add(at + "the port must be 1-65535, got " + node.port());
      }
      if (!seen.add(node)) {
        problems.add(at + node + " is listed twice");
      }
    }
  }

  private static void checkAuth(
      String userKey, String user, String passwordKey, Secret password, List<String> problems) {
    if (user != null && user.isBlank()) {
      problems.add(userKey + ": must not be blank when set (leave it out for the default)");
    }
    if (user != null && password == null) {
      problems.add(userKey + ": needs " + passwordKey);
    }
    if (password != null && password.reveal().isEmpty()) {
      problems.add(passwordKey + ": must not be empty when set");
    }
  }

  private static void checkTimeout(String key, Duration timeout, List<String> problems) {
    if (timeout == null || timeout.toMillis() < 1 || timeout.compareTo(MAX_TIMEOUT) > 0) {
      problems.add(
          key + ": must be between 1ms and " + MAX_TIMEOUT.toMinutes() + "m, got " + timeout);
    }
  }
}
