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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * A real Redis Cluster for one test class: three masters, no replicas, each a {@code redis-server}
 * child process on free loopback ports (its client port and its cluster bus port, set apart with
 * {@code --cluster-port}, since a free port plus 10000 may not be free, or a port at all), without
 * persistence, each in a directory of its own. Joined with {@code redis-cli --cluster create} and
 * ready once every node reports {@code cluster_state:ok}. Register it as a static field with
 * {@code @RegisterExtension}. Tests keep apart by key prefix ({@link #config()} gives each call a
 * new one).
 *
 * <p>Fails (never skips) if {@code redis-server} or {@code redis-cli} is not on PATH.
 */
final class RedisClusterExtension implements BeforeAllCallback, AfterAllCallback {
  private static final int MASTERS = 3;
  private static final String READY = "Ready to accept connections";
  private static final Duration CREATE_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(30);

  private final List<RedisProcess> nodes = new ArrayList<>();
  private Path root;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    root = RedisProcess.newTempDir("redis-cluster");
    try {
      for (int i = 0; i < MASTERS; i++) {
        Path dir = root.resolve("node-" + i);
        nodes.add(
            RedisProcess.startOnFreePort(
                "redis-cluster-node", dir, RedisClusterExtension::nodeArguments, READY, null));
      }
      createCluster();
      await("every node reports cluster_state:ok")
          .atMost(JOIN_TIMEOUT)
          .pollInterval(Duration.ofMillis(50))
          .ignoreExceptionsInstanceOf(JedisException.class)
          .until(this::everyNodeIsOk);
    } catch (Exception | AssertionError e) {
      afterAll(context);
      throw e;
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    nodes.forEach(RedisProcess::stop);
    nodes.clear();
    RedisProcess.deleteTree(root);
  }

  /** The configuration of a store on this cluster, with a key prefix no other call gets. */
  RedisStoreConfig config() {
    return RedisStoreConfig.cluster(seeds())
        .withKeyPrefix(RedisServerExtension.uniquePrefix())
        .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(5));
  }

  /** Every node, as seeds. */
  List<Node> seeds() {
    return nodes.stream().map(node -> new Node("127.0.0.1", node.port())).toList();
  }

  /** The keys matching {@code pattern} on every node, for looking behind the store's back. */
  Set<String> keys(String pattern) {
    Set<String> keys = new HashSet<>();
    for (RedisProcess node : nodes) {
      try (Jedis raw = node.connect(null)) {
        keys.addAll(raw.keys(pattern));
      }
    }
    return keys;
  }

  /** A plain connection to the node that serves {@code key}'s slot. Close it. */
  Jedis rawFor(String key) {
    for (RedisProcess node : nodes) {
      Jedis raw = node.connect(null);
      int slot = Math.toIntExact(raw.clusterKeySlot(key));
      if (raw.clusterNodes().lines().anyMatch(line -> servesSlot(line, slot))) {
        return raw;
      }
      raw.close();
    }
    throw new IllegalStateException("no node serves the slot of " + key);
  }

  private static List<String> nodeArguments(int port) {
    return List.of(
        "--port",
        Integer.toString(port),
        "--bind",
        "127.0.0.1",
        "--cluster-enabled",
        "yes",
        "--cluster-port",
        Integer.toString(RedisProcess.freePort()),
        "--cluster-config-file",
        "nodes-" + port + ".conf",
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no");
  }

  private void createCluster() throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(RedisProcess.executable("redis-cli").toString());
    command.add("--cluster");
    command.add("create");
    nodes.forEach(node -> command.add("127.0.0.1:" + node.port()));
    command.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
    Path log = root.resolve("cluster-create.log");
    Process create =
        new ProcessBuilder(command)
            .directory(root.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    boolean exited = create.waitFor(CREATE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    if (!exited || create.exitValue() != 0) {
      create.destroyForcibly();
      throw new IllegalStateException(
          "redis-cli --cluster create failed ("
              + (exited ? "exit " + create.exitValue() : "timed out")
              + "); its output:\n"
              + read(log));
    }
  }

  private boolean everyNodeIsOk() {
    for (RedisProcess node : nodes) {
      try (Jedis raw = node.connect(null)) {
        if (!raw.clusterInfo().contains("cluster_state:ok")) {
          return false;
        }
      }
    }
    return true;
  }

  /** Whether a CLUSTER NODES line is of the node itself, a master that serves {@code slot}. */
  private static boolean servesSlot(String line, int slot) {
    String[] fields = line.split(" ");
    if (fields.length < 9 || !fields[2].contains("myself") || !fields[2].contains("master")) {
      return false;
    }
    for (int i = 8; i < fields.length; i++) {
      if (fields[i].startsWith("[")) {
        continue; // a slot being migrated or imported
      }
      String[] range = fields[i].split("-");
      int from = Integer.parseInt(range[0]);
      int to = range.length == 1 ? from : Integer.parseInt(range[1]);
      if (from <= slot && slot <= to) {
        return true;
      }
    }
    return false;
  }

  private static String read(Path log) {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
