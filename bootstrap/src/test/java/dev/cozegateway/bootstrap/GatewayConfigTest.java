package dev.cozegateway.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cozegateway.bootstrap.config.ConfigException;
import dev.cozegateway.bootstrap.config.ConfigSource;
import dev.cozegateway.bootstrap.config.GatewayConfig;
import dev.cozegateway.domain.AppType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayConfigTest {
  @TempDir Path dir;

  private GatewayConfig load(String yaml, Map<String, String> env) throws Exception {
    Path file = dir.resolve("gateway.yaml");
    Files.writeString(file, yaml);
    return GatewayConfig.from(ConfigSource.load(file, env));
  }

  private static final String VALID =
      """
      grpc:
        port: 7000
        drain-timeout: 30s
      store:
        data-dir: /var/lib/coze-gateway
      apps:
        - id: web
          type: web
          region: coze.cn
          client-id: 12345678901234567890123456789012.app.coze
          client-secret: env:WEB_SECRET
          redirect-uri: https://gw.example.com/oauth/callback
          allowed-return-uris: [https://app.example.com/done]
      """;

  @Test
  void aValidFileIsReadWithDefaultsForTheRest() throws Exception {
    GatewayConfig config = load(VALID, Map.of());

    assertThat(config.grpcPort()).isEqualTo(7000);
    assertThat(config.grpcDrainTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.httpPort()).isEqualTo(8080);
    assertThat(config.dataDir()).isEqualTo(Path.of("/var/lib/coze-gateway"));
    assertThat(config.apps())
        .singleElement()
        .satisfies(
            app -> {
              assertThat(app.type()).isEqualTo(AppType.WEB);
              assertThat(app.region().apiBase().toString()).isEqualTo("https://api.coze.cn");
              assertThat(app.clientSecretRef()).isEqualTo("env:WEB_SECRET");
            });
  }

  @Test
  void environmentVariablesOverrideTheFile() throws Exception {
    GatewayConfig config =
        load(VALID, Map.of("COZE_GATEWAY_GRPC_PORT", "7100", "COZE_GATEWAY_VAULT_KEYS", "k1:x"));
    assertThat(config.grpcPort()).isEqualTo(7100);
    assertThat(config.vaultKeys().reveal()).isEqualTo("k1:x");
    assertThat(config.toString()).doesNotContain("k1:x");
  }

  @Test
  void everyProblemIsReportedWithItsKey() {
    String bad =
        """
        grpc:
          port: ninety
          drain-timeout: forever
        htp:
          port: 1
        apps:
          - id: Web
            type: web
            region: coze.org
            client-id: abc
            client-secret: hunter2
            redirect-uri: /callback
        """;
    assertThatThrownBy(() -> load(bad, Map.of()))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .anyMatch(p -> p.startsWith("grpc.port: must be a port number"))
                    .anyMatch(p -> p.startsWith("grpc.drain-timeout: must be a positive duration"))
                    .anyMatch(p -> p.startsWith("htp.port: unknown key"))
                    .anyMatch(p -> p.startsWith("apps[0].id: must be"))
                    .anyMatch(p -> p.startsWith("apps[0].region:"))
                    .anyMatch(p -> p.startsWith("apps[0].client-id:"))
                    .anyMatch(
                        p -> p.startsWith("apps[0].client-secret: plain secrets are not allowed"))
                    .anyMatch(p -> p.startsWith("apps[0].redirect-uri: must be an absolute")));
  }

  @Test
  void aPlainSecretIsNeverEchoedBack() {
    String bad = VALID.replace("env:WEB_SECRET", "hunter2-plain-secret");
    assertThatThrownBy(() -> load(bad, Map.of()))
        .isInstanceOf(ConfigException.class)
        .message()
        .contains("apps[0].client-secret")
        .doesNotContain("hunter2-plain-secret");
  }

  @Test
  void serveRefusesToStartWithoutAVaultKey() throws Exception {
    GatewayConfig config = load(VALID, Map.of());
    assertThatThrownBy(() -> KeyRings.configured(config))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("vault.keys")
        .hasMessageContaining("COZE_GATEWAY_VAULT_KEYS");
  }

  @Test
  void defaultsServeGrpcOnLoopbackOnly() throws Exception {
    GatewayConfig config = load("{}", Map.of());
    assertThat(config.grpcHost()).isEqualTo("127.0.0.1");
    assertThat(config.grpcDrainTimeout()).isEqualTo(Duration.ofSeconds(25));
  }

  @Test
  void aMistypedEnvironmentVariableIsReported() {
    assertThatThrownBy(
            () ->
                load(
                    VALID,
                    Map.of("COZE_GATEWAY_GRPC_PROT", "1", "COZE_GATEWAY_LOG_LEVEL", "DEBUG")))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .singleElement()
                    .asString()
                    .startsWith("COZE_GATEWAY_GRPC_PROT: unknown setting"));
  }

  @Test
  void theDrainMustCoverOneWholeCozeCall() {
    String config = "grpc:\n  drain-timeout: 10s\ncoze:\n  request-timeout: 15s\n";
    assertThatThrownBy(() -> load(config, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("grpc.drain-timeout: must be at least");
  }

  @Test
  void theRefreshSweepIsOnByDefault() throws Exception {
    GatewayConfig config = load("{}", Map.of());
    assertThat(config.refreshSweepEnabled()).isTrue();
    assertThat(config.refreshSweepInterval()).isEqualTo(Duration.ofSeconds(60));
    assertThat(config.refreshWindow()).isEqualTo(Duration.ofMinutes(5));
    assertThat(config.refreshJitter()).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.refreshKeepAliveAge()).isEqualTo(Duration.ofDays(7));
    assertThat(config.refreshLeaseTtl()).isEqualTo(Duration.ofSeconds(15));
    assertThat(config.refreshPersistTimeout()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void thePersistTimeoutIsConfigurableBetweenOneSecondAndFiveMinutes() throws Exception {
    assertThat(load("refresh:\n  persist-timeout: 90s\n", Map.of()).refreshPersistTimeout())
        .isEqualTo(Duration.ofSeconds(90));
    assertThat(
            load("{}", Map.of("COZE_GATEWAY_REFRESH_PERSIST_TIMEOUT", "1s"))
                .refreshPersistTimeout())
        .isEqualTo(Duration.ofSeconds(1));
    for (String bad : List.of("500ms", "301s", "1h")) {
      assertThatThrownBy(() -> load("refresh:\n  persist-timeout: " + bad + "\n", Map.of()))
          .as(bad)
          .isInstanceOfSatisfying(
              ConfigException.class,
              e ->
                  assertThat(e.problems())
                      .contains(
                          "refresh.persist-timeout: must be between 1s and 5m, got '" + bad + "'"));
    }
  }

  @Test
  void theRefreshLeaseTtlIsConfigurableBetweenOneSecondAndOneMinute() throws Exception {
    assertThat(load("refresh:\n  lease-ttl: 2s\n", Map.of()).refreshLeaseTtl())
        .isEqualTo(Duration.ofSeconds(2));
    assertThat(load("{}", Map.of("COZE_GATEWAY_REFRESH_LEASE_TTL", "60s")).refreshLeaseTtl())
        .isEqualTo(Duration.ofSeconds(60));
    for (String bad : List.of("999ms", "61s", "2m")) {
      assertThatThrownBy(() -> load("refresh:\n  lease-ttl: " + bad + "\n", Map.of()))
          .as(bad)
          .isInstanceOfSatisfying(
              ConfigException.class,
              e ->
                  assertThat(e.problems())
                      .anyMatch(
                          p ->
                              p.equals(
                                  "refresh.lease-ttl: must be between 1s and 60s, got '"
                                      + bad
                                      + "'")));
    }
  }

  @Test
  void theRefreshSweepIsConfiguredUnderRefresh() throws Exception {
    GatewayConfig config =
        load(
            """
            refresh:
              sweep-interval: 2m
              window: 10m
              jitter: 500ms
              keep-alive-age: 14d
            """,
            Map.of("COZE_GATEWAY_REFRESH_SWEEP_ENABLED", "false"));
    assertThat(config.refreshSweepEnabled()).isFalse();
    assertThat(config.refreshSweepInterval()).isEqualTo(Duration.ofMinutes(2));
    assertThat(config.refreshWindow()).isEqualTo(Duration.ofMinutes(10));
    assertThat(config.refreshJitter()).isEqualTo(Duration.ofMillis(500));
    assertThat(config.refreshKeepAliveAge()).isEqualTo(Duration.ofDays(14));
  }

  @Test
  void badRefreshSettingsAreReportedWithTheirKeys() {
    String bad =
        """
        refresh:
          sweep-enabled: sometimes
          sweep-interval: 0s
          window: 11m
          jitter: soon
          keep-alive-age: 30d
        """;
    assertThatThrownBy(() -> load(bad, Map.of()))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .anyMatch(p -> p.startsWith("refresh.sweep-enabled: must be true or false"))
                    .anyMatch(
                        p -> p.startsWith("refresh.sweep-interval: must be a positive duration"))
                    .anyMatch(p -> p.startsWith("refresh.window: must be at most 10m"))
                    .anyMatch(p -> p.startsWith("refresh.jitter: must be a positive duration"))
                    .anyMatch(p -> p.startsWith("refresh.keep-alive-age: must be less than 30d")));
  }

  @Test
  void aYamlSyntaxErrorDoesNotEchoTheLine() {
    String broken = "vault:\n  keys: \"k1:c2VjcmV0LWtleS1tYXRlcmlhbA==\n  primary-key: k1\n";
    assertThatThrownBy(() -> load(broken, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("not valid YAML at line")
        .message()
        .doesNotContain("c2VjcmV0LWtleS1tYXRlcmlhbA");
  }

  @Test
  void theRedisStoreIsConfiguredUnderStoreRedis() throws Exception {
    GatewayConfig config =
        load(
            """
            store:
              type: redis
              redis:
                host: redis.internal
                port: 6380
                password: env:REDIS_PASSWORD
                tls: true
                key-prefix: "gw1:"
            """,
            Map.of());

    assertThat(config.storeType()).isEqualTo(dev.cozegateway.bootstrap.config.StoreType.REDIS);
    assertThat(config.redis().host()).isEqualTo("redis.internal");
    assertThat(config.redis().port()).isEqualTo(6380);
    assertThat(config.redis().passwordRef()).isEqualTo("env:REDIS_PASSWORD");
    assertThat(config.redis().tls()).isTrue();
    assertThat(config.redis().keyPrefix()).isEqualTo("gw1:");
  }

  @Test
  void waitingForRedisReplicasIsOffByDefaultAndMappedWhenSet() throws Exception {
    GatewayConfig defaults = load("store:\n  type: redis\n", Map.of());
    assertThat(defaults.redis().waitReplicas()).isZero();
    assertThat(defaults.redis().waitTimeout()).isEqualTo(Duration.ofSeconds(1));

    GatewayConfig waiting =
        load(
            """
            store:
              type: redis
              redis:
                wait-replicas: 1
                wait-timeout: 500ms
            """,
            Map.of("COZE_GATEWAY_STORE_REDIS_WAIT_REPLICAS", "2"));
    dev.cozegateway.adapters.redis.RedisStoreConfig redis =
        Stores.redisConfig(
            waiting.redis(), Map.of(), new dev.cozegateway.domain.testing.FakeSecretVault());
    assertThat(redis.waitReplicas()).as("the environment wins").isEqualTo(2);
    assertThat(redis.waitTimeout()).isEqualTo(Duration.ofMillis(500));

    assertThatThrownBy(
            () -> load("store:\n  type: redis\n  redis:\n    wait-replicas: 6\n", Map.of()))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .anyMatch(p -> p.startsWith("store.redis.wait-replicas: ")));
    // WAIT must answer within the socket timeout (2s by default).
    GatewayConfig tooLong =
        load(
            "store:\n  type: redis\n  redis:\n    wait-replicas: 1\n    wait-timeout: 2s\n",
            Map.of());
    assertThatThrownBy(
            () ->
                Stores.redisConfig(
                    tooLong.redis(),
                    Map.of(),
                    new dev.cozegateway.domain.testing.FakeSecretVault()))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems()).anyMatch(p -> p.startsWith("store.redis.wait-timeout: ")));
  }

  @Test
  void aPlainRedisPasswordAndAnUnknownStoreAreRefused() {
    assertThatThrownBy(
            () ->
                load(
                    "store:\n  type: redis\n  redis:\n    password: hunter2\n    tls: maybe\n",
                    Map.of()))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .anyMatch(p -> p.startsWith("store.redis.password: plain secrets"))
                    .anyMatch(p -> p.startsWith("store.redis.tls: must be true or false"))
                    .noneMatch(p -> p.contains("hunter2")));
    assertThatThrownBy(() -> load("store:\n  type: mongo\n", Map.of()))
        .hasMessageContaining("store.type: must be 'embedded' or 'redis'");
  }

  @Test
  void sentinelAndClusterModesAreConfiguredToo() throws Exception {
    GatewayConfig sentinel =
        load(
            """
            store:
              type: redis
              redis:
                mode: sentinel
                sentinel:
                  master-name: gw
                  nodes: [10.0.0.1:26379, 10.0.0.2:26379, 10.0.0.3:26379]
            """,
            Map.of());
    dev.cozegateway.adapters.redis.RedisStoreConfig redis =
        Stores.redisConfig(
            sentinel.redis(), Map.of(), new dev.cozegateway.domain.testing.FakeSecretVault());
    assertThat(redis.mode())
        .isEqualTo(dev.cozegateway.adapters.redis.RedisStoreConfig.Mode.SENTINEL);
    assertThat(redis.sentinel().masterName()).isEqualTo("gw");
    assertThat(redis.sentinel().nodes()).hasSize(3);

    GatewayConfig cluster =
        load(
            "store:\n  type: redis\n  redis:\n    mode: cluster\n",
            Map.of("COZE_GATEWAY_STORE_REDIS_CLUSTER_NODES", "10.0.0.1:7000, 10.0.0.2:7000"));
    dev.cozegateway.adapters.redis.RedisStoreConfig clustered =
        Stores.redisConfig(
            cluster.redis(), Map.of(), new dev.cozegateway.domain.testing.FakeSecretVault());
    assertThat(clustered.mode())
        .isEqualTo(dev.cozegateway.adapters.redis.RedisStoreConfig.Mode.CLUSTER);
    assertThat(clustered.clusterNodes())
        .extracting(dev.cozegateway.adapters.redis.RedisStoreConfig.Node::port)
        .containsExactly(7000, 7000);
  }
}
