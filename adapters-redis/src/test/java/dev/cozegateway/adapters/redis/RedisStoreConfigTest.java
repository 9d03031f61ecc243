package dev.cozegateway.adapters.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cozegateway.adapters.redis.RedisStoreConfig.Node;
import dev.cozegateway.domain.Secret;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedisStoreConfigTest {
  private static final RedisStoreConfig LOCAL = RedisStoreConfig.standalone("127.0.0.1", 6379);
  private static final Node SENTINEL_2 = new Node("10.0.0.2", 26379);

  @Test
  void standaloneHasTheDefaults() {
    assertThat(LOCAL.mode()).isEqualTo(RedisStoreConfig.Mode.STANDALONE);
    assertThat(LOCAL.user()).isNull();
    assertThat(LOCAL.password()).isNull();
    assertThat(LOCAL.tls()).isFalse();
    assertThat(LOCAL.database()).isZero();
    assertThat(LOCAL.keyPrefix()).isEqualTo("cozegw:");
    assertThat(LOCAL.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(LOCAL.socketTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(LOCAL.poolSize()).isEqualTo(16);
  }

  @Test
  void toStringNeverShowsThePassword() {
    RedisStoreConfig config =
        LOCAL.withUser("gateway", Secret.of("hunter2-correct-horse")).withTls(true);

    assertThat(config.toString())
        .doesNotContain("hunter2")
        .contains("password=(set)")
        .contains("user=gateway")
        .contains("host=127.0.0.1")
        .contains("tls=true");
    assertThat(LOCAL.toString()).contains("password=(none)");
  }

  @Test
  void withersChangeOneSettingEach() {
    RedisStoreConfig changed =
        LOCAL
            .withPassword(Secret.of("pw"))
            .withDatabase(3)
            .withKeyPrefix("gw.prod:")
            .withTimeouts(Duration.ofMillis(500), Duration.ofSeconds(3))
            .withPoolSize(32);

    assertThat(changed)
        .isEqualTo(
            new RedisStoreConfig(
                RedisStoreConfig.Mode.STANDALONE,
                "127.0.0.1",
                6379,
                null,
                List.of(),
                null,
                Secret.of("pw"),
                false,
                3,
                "gw.prod:",
                Duration.ofMillis(500),
                Duration.ofSeconds(3),
                32,
                0,
                RedisStoreConfig.DEFAULT_WAIT_TIMEOUT));
  }

  @Test
  void waitingForReplicasIsOffByDefaultAndSetTogetherWithItsTimeout() {
    assertThat(LOCAL.waitReplicas()).isZero();
    assertThat(LOCAL.waitTimeout()).isEqualTo(Duration.ofSeconds(1));

    RedisStoreConfig waiting = LOCAL.withWaitForReplicas(2, Duration.ofMillis(300));

    assertThat(waiting.waitReplicas()).isEqualTo(2);
    assertThat(waiting.waitTimeout()).isEqualTo(Duration.ofMillis(300));
    assertThat(waiting.withPoolSize(4).waitReplicas()).as("kept by other withers").isEqualTo(2);
    assertThat(waiting.toString()).contains("waitReplicas=2").contains("waitTimeout=PT0.3S");
  }

  @Test
  void aBadWaitForReplicasNamesItsKey() {
    assertRejected(
        () -> LOCAL.withWaitForReplicas(-1, Duration.ofSeconds(1)), "store.redis.wait-replicas: ");
    assertRejected(
        () -> LOCAL.withWaitForReplicas(6, Duration.ofSeconds(1)), "store.redis.wait-replicas: ");
    assertRejected(() -> LOCAL.withWaitForReplicas(1, Duration.ZERO), "store.redis.wait-timeout: ");
    assertRejected(() -> LOCAL.withWaitForReplicas(1, null), "store.redis.wait-timeout: ");
    // WAIT must answer before the client stops waiting for the reply.
    assertRejected(
        () ->
            LOCAL
                .withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(2))
                .withWaitForReplicas(1, Duration.ofSeconds(2)),
        "store.redis.wait-timeout: ");
    // Off, the timeout is not compared with the socket timeout.
    assertThat(
            LOCAL
                .withTimeouts(Duration.ofSeconds(1), Duration.ofMillis(500))
                .withWaitForReplicas(0, Duration.ofSeconds(1))
                .waitReplicas())
        .isZero();
    assertThat(LOCAL.withWaitForReplicas(5, Duration.ofMillis(1999)).waitReplicas()).isEqualTo(5);
  }

  @Test
  void aBadValueNamesItsKey() {
    assertRejected(() -> RedisStoreConfig.standalone(" ", 6379), "store.redis.host: ");
    assertRejected(() -> RedisStoreConfig.standalone(null, 6379), "store.redis.host: ");
    assertRejected(() -> RedisStoreConfig.standalone("h", 0), "store.redis.port: ");
    assertRejected(() -> RedisStoreConfig.standalone("h", 65536), "store.redis.port: ");
    assertRejected(() -> LOCAL.withDatabase(-1), "store.redis.database: ");
    assertRejected(() -> LOCAL.withKeyPrefix(""), "store.redis.key-prefix: ");
    assertRejected(() -> LOCAL.withKeyPrefix("gw{x}:"), "store.redis.key-prefix: ");
    assertRejected(() -> LOCAL.withKeyPrefix(null), "store.redis.key-prefix: ");
    assertRejected(() -> LOCAL.withKeyPrefix("a".repeat(65)), "store.redis.key-prefix: ");
    assertRejected(
        () -> LOCAL.withTimeouts(Duration.ZERO, Duration.ofSeconds(1)),
        "store.redis.connect-timeout: ");
    assertRejected(
        () -> LOCAL.withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(-1)),
        "store.redis.socket-timeout: ");
    assertRejected(
        () -> LOCAL.withTimeouts(Duration.ofSeconds(1), Duration.ofHours(1)),
        "store.redis.socket-timeout: ");
    assertRejected(
        () -> LOCAL.withTimeouts(null, Duration.ofSeconds(1)), "store.redis.connect-timeout: ");
    assertRejected(() -> LOCAL.withPoolSize(0), "store.redis.pool-size: ");
    assertRejected(() -> LOCAL.withPoolSize(1025), "store.redis.pool-size: ");
    assertRejected(() -> LOCAL.withUser("gateway", null), "store.redis.user: ");
    assertRejected(() -> LOCAL.withUser(" ", Secret.of("pw")), "store.redis.user: ");
    assertRejected(() -> LOCAL.withPassword(Secret.of("")), "store.redis.password: ");
    assertRejected(
        () ->
            new RedisStoreConfig(
                null,
                "h",
                6379,
                null,
                List.of(),
                null,
                null,
                false,
                0,
                "cozegw:",
                Duration.ofSeconds(1),
                Duration.ofSeconds(1),
                1,
                0,
                Duration.ofMillis(500)),
        "store.redis.mode: ");
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    assertThatThrownBy(() -> RedisStoreConfig.standalone("", 0).withPoolSize(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("store.redis.host: ")
        .hasMessageContaining("store.redis.port: ");
  }

  @Test
  void aRejectedPasswordIsNeverInTheMessage() {
    assertThatThrownBy(() -> LOCAL.withPassword(Secret.of("hunter2")).withPoolSize(0))
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void sentinelNamesTheMasterAndTheSentinels() {
    RedisStoreConfig config =
        RedisStoreConfig.sentinel("gw", List.of(Node.parse("10.0.0.1:26379"), SENTINEL_2))
            .withPassword(Secret.of("pw"))
            .withSentinelAuth("watcher", Secret.of("sentinel-pw"))
            .withKeyPrefix("gw.prod:");

    assertThat(config.mode()).isEqualTo(RedisStoreConfig.Mode.SENTINEL);
    assertThat(config.sentinel().masterName()).isEqualTo("gw");
    assertThat(config.sentinel().nodes())
        .containsExactly(new Node("10.0.0.1", 26379), new Node("10.0.0.2", 26379));
    assertThat(config.sentinel().user()).isEqualTo("watcher");
    assertThat(config.sentinel().password()).isEqualTo(Secret.of("sentinel-pw"));
    assertThat(config.host()).isNull();
    assertThat(config.port()).isZero();
    assertThat(config.clusterNodes()).isEmpty();
    assertThat(config.password()).isEqualTo(Secret.of("pw"));
    assertThat(config.keyPrefix()).isEqualTo("gw.prod:");
    assertThat(config.toString())
        .doesNotContain("sentinel-pw")
        .doesNotContain("=pw")
        .contains("masterName=gw")
        .contains("10.0.0.1:26379")
        .contains("user=watcher, password=(set)");
  }

  @Test
  void clusterListsItsSeedNodes() {
    RedisStoreConfig config =
        RedisStoreConfig.cluster(List.of(Node.parse("10.0.0.1:6379"), Node.parse("[::1]:7000")))
            .withUser("gateway", Secret.of("hunter2"));

    assertThat(config.mode()).isEqualTo(RedisStoreConfig.Mode.CLUSTER);
    assertThat(config.clusterNodes())
        .containsExactly(new Node("10.0.0.1", 6379), new Node("::1", 7000));
    assertThat(config.sentinel()).isNull();
    assertThat(config.host()).isNull();
    assertThat(config.toString())
        .doesNotContain("hunter2")
        .contains("[10.0.0.1:6379, [::1]:7000]")
        .contains("password=(set)");
  }

  @Test
  void theNodeListsAreCopied() {
    List<Node> seeds = new ArrayList<>(List.of(new Node("h", 1)));
    RedisStoreConfig config = RedisStoreConfig.cluster(seeds);
    seeds.add(new Node("h", 2));

    assertThat(config.clusterNodes()).containsExactly(new Node("h", 1));
    assertThatThrownBy(() -> config.clusterNodes().add(new Node("h", 3)))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void aNodeParsesFromHostAndPort() {
    assertThat(Node.parse("redis-0.redis:6380")).isEqualTo(new Node("redis-0.redis", 6380));
    assertThat(Node.parse("[fe80::1]:6379")).isEqualTo(new Node("fe80::1", 6379));
    assertThatThrownBy(() -> Node.parse("redis")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Node.parse("redis:")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Node.parse(":6379")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Node.parse("redis:port")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Node.parse(null)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aBadSentinelOrClusterValueNamesItsKey() {
    List<Node> sentinels = List.of(SENTINEL_2);
    assertRejected(
        () -> RedisStoreConfig.sentinel(null, sentinels), "store.redis.sentinel.master-name: ");
    assertRejected(
        () -> RedisStoreConfig.sentinel(" ", sentinels), "store.redis.sentinel.master-name: ");
    assertRejected(
        () -> RedisStoreConfig.sentinel("g w", sentinels), "store.redis.sentinel.master-name: ");
    assertRejected(
        () -> RedisStoreConfig.sentinel("gw", List.of()), "store.redis.sentinel.nodes: ");
    assertRejected(() -> RedisStoreConfig.sentinel("gw", null), "store.redis.sentinel.nodes: ");
    assertRejected(
        () -> RedisStoreConfig.sentinel("gw", List.of(new Node("h", 0))),
        "store.redis.sentinel.nodes[0]: ");
    assertRejected(
        () -> RedisStoreConfig.sentinel("gw", List.of(SENTINEL_2, new Node(" ", 26379))),
        "store.redis.sentinel.nodes[1]: ");
    assertRejected(
        () -> RedisStoreConfig.sentinel("gw", List.of(SENTINEL_2, SENTINEL_2)),
        "store.redis.sentinel.nodes[1]: ");
    assertRejected(
        () -> RedisStoreConfig.sentinel("gw", sentinels).withSentinelAuth("watcher", null),
        "store.redis.sentinel.user: ");
    assertRejected(
        () -> RedisStoreConfig.sentinel("gw", sentinels).withSentinelAuth(null, Secret.of("")),
        "store.redis.sentinel.password: ");
    assertRejected(
        () -> LOCAL.withSentinelAuth(null, Secret.of("pw")), "store.redis.sentinel.user: ");
    assertRejected(() -> RedisStoreConfig.cluster(List.of()), "store.redis.cluster.nodes: ");
    assertRejected(() -> RedisStoreConfig.cluster(null), "store.redis.cluster.nodes: ");
    List<Node> withNull = new ArrayList<>();
    withNull.add(null);
    assertRejected(() -> RedisStoreConfig.cluster(withNull), "store.redis.cluster.nodes[0]: ");
    assertRejected(
        () -> RedisStoreConfig.cluster(List.of(new Node("h", 70000))),
        "store.redis.cluster.nodes[0]: ");
    assertRejected(
        () -> RedisStoreConfig.cluster(List.of(new Node("h", 7000))).withDatabase(1),
        "store.redis.database: ");
  }

  @Test
  void settingsOfAnotherModeAreRejected() {
    List<Node> nodes = List.of(new Node("h", 7000));
    RedisStoreConfig.Sentinel sentinel = new RedisStoreConfig.Sentinel("gw", nodes, null, null);
    assertRejected(
        () -> withMode(RedisStoreConfig.Mode.STANDALONE, "h", 6379, sentinel, List.of()),
        "store.redis.sentinel: ");
    assertRejected(
        () -> withMode(RedisStoreConfig.Mode.STANDALONE, "h", 6379, null, nodes),
        "store.redis.cluster.nodes: ");
    assertRejected(
        () -> withMode(RedisStoreConfig.Mode.SENTINEL, "h", 0, sentinel, List.of()),
        "store.redis.host: ");
    assertRejected(
        () -> withMode(RedisStoreConfig.Mode.CLUSTER, null, 6379, null, nodes),
        "store.redis.port: ");
    assertRejected(
        () -> withMode(RedisStoreConfig.Mode.CLUSTER, null, 0, sentinel, nodes),
        "store.redis.sentinel: ");
    assertRejected(
        () -> withMode(RedisStoreConfig.Mode.SENTINEL, null, 0, sentinel, nodes),
        "store.redis.cluster.nodes: ");
  }

  private static RedisStoreConfig withMode(
      RedisStoreConfig.Mode mode,
      String host,
      int port,
      RedisStoreConfig.Sentinel sentinel,
      List<Node> clusterNodes) {
    return new RedisStoreConfig(
        mode,
        host,
        port,
        sentinel,
        clusterNodes,
        null,
        null,
        false,
        0,
        "cozegw:",
        Duration.ofSeconds(1),
        Duration.ofSeconds(1),
        1,
        0,
        Duration.ofMillis(500));
  }

  private static void assertRejected(Runnable build, String keyAndColon) {
    assertThatThrownBy(build::run)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(keyAndColon);
  }
}
