package dev.cozegateway.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cozegateway.adapters.redis.RedisServerExtension;
import dev.cozegateway.adapters.vault.KeyRing;
import dev.cozegateway.api.v1.AccessToken;
import dev.cozegateway.api.v1.AuthServiceGrpc;
import dev.cozegateway.api.v1.Connection;
import dev.cozegateway.api.v1.GetAccessTokenRequest;
import dev.cozegateway.api.v1.GetConnectionRequest;
import dev.cozegateway.bootstrap.config.ConfigSource;
import dev.cozegateway.bootstrap.config.GatewayConfig;
import dev.cozegateway.sandbox.CozeSandbox;
import dev.cozegateway.sandbox.SandboxConfig;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.args.ClientPauseMode;

/**
 * Two whole gateways (Netty, the Coze HTTP adapter, the vault) sharing one real redis-server and
 * one Coze sandbox: concurrent callers spread over both replicas cause one redemption per expired
 * token, and every caller gets the new token.
 */
class ReplicasOnRedisTest {
  private static final String CONNECTION = SandboxWiring.TENANT + "/connections/alice";
  private static final int CALLERS = 60;
  private static final int ROUNDS = 5;
  private static final Duration OUTAGE = Duration.ofSeconds(6);

  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.plain();

  @TempDir Path dataDir;

  private final KeyRing keyRing = KeyRing.parse(KeyRing.generateKeyLine("k1"), null);
  private final ExecutorService pool = Executors.newFixedThreadPool(CALLERS);
  private final List<Gateway> gateways = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private CozeSandbox sandbox;

  @BeforeEach
  void start() {
    int callbackPort = SandboxWiring.freePort();
    sandbox =
        CozeSandbox.start(
            SandboxConfig.demo(0, List.of(SandboxWiring.callbackUri(callbackPort)))
                .withAutoApprove(true));
    String prefix = RedisServerExtension.uniquePrefix();
    for (int replica = 0; replica < 2; replica++) {
      // Both replicas register the same callback, as behind one load balancer; the first serves it.
      ObjectNode tree = SandboxWiring.configTree(sandbox, keyRing, 0, callbackPort, dataDir);
      if (replica > 0) {
        ((ObjectNode) tree.get("http")).put("port", 0);
      }
      ObjectNode store = (ObjectNode) tree.get("store");
      store.put("type", "redis");
      store.putObject("redis").put("port", REDIS.port()).put("key-prefix", prefix);
      store.put("probe-interval", "100ms");
      Gateway gateway =
          Gateway.start(
              GatewayConfig.from(ConfigSource.of(tree, Map.of())),
              keyRing,
              Map.of(),
              sandbox.clock(),
              Telemetry.wrap(OpenTelemetrySdk.builder().build()));
      gateways.add(gateway);
      channels.add(
          NettyChannelBuilder.forAddress("127.0.0.1", gateway.grpcPort()).usePlaintext().build());
    }
  }

  @AfterEach
  void stop() {
    pool.shutdownNow();
    channels.forEach(ManagedChannel::shutdownNow);
    gateways.forEach(Gateway::close);
    sandbox.close();
  }

  private AuthServiceGrpc.AuthServiceBlockingStub replica(int i) {
    return AuthServiceGrpc.newBlockingStub(channels.get(i % channels.size()))
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private void connectAlice() throws Exception {
    Alice.connect(replica(1));
  }

  private HealthCheckResponse.ServingStatus health(int replica) {
    return HealthGrpc.newBlockingStub(channels.get(replica))
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance())
        .getStatus();
  }

  private AccessToken accessToken(int replica) {
    return replica(replica)
        .getAccessToken(GetAccessTokenRequest.newBuilder().setConnection(CONNECTION).build());
  }

  @Test
  void whileRedisDoesNotAnswerTheReplicasFailClosedAndRecoverWithNothingLost() throws Exception {
    connectAlice();
    String before = accessToken(0).getAccessToken();
    assertThat(health(0)).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

    // Redis stops answering for a while (paused, so that it keeps its data, as a failed-over or
    // restarted Redis with persistence would).
    try (Jedis admin = new Jedis("127.0.0.1", REDIS.port())) {
      admin.clientPause(OUTAGE.toMillis(), ClientPauseMode.ALL);
    }
    for (int i = 0; i < gateways.size(); i++) {
      int replica = i;
      await()
          .atMost(OUTAGE)
          .until(() -> health(replica) == HealthCheckResponse.ServingStatus.NOT_SERVING);
    }
    StatusRuntimeException down =
        catchThrowableOfType(StatusRuntimeException.class, () -> accessToken(1));
    assertThat(down.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(down.getMessage()).contains("store");

    for (int i = 0; i < gateways.size(); i++) {
      int replica = i;
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> health(replica) == HealthCheckResponse.ServingStatus.SERVING);
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .ignoreException(StatusRuntimeException.class)
        .until(() -> accessToken(1).getAccessToken().equals(before));
    assertThat(
            replica(1)
                .getConnection(GetConnectionRequest.newBuilder().setName(CONNECTION).build())
                .getState())
        .isEqualTo(Connection.State.ACTIVE);
  }

  @Test
  void concurrentCallersOnBothReplicasCauseOneRedemptionPerExpiredToken() throws Exception {
    connectAlice();
    for (int round = 1; round <= ROUNDS; round++) {
      sandbox.clock().advance(Duration.ofMinutes(15));
      long before = sandbox.stats().refreshRedemptions();
      CountDownLatch go = new CountDownLatch(1);
      List<Future<AccessToken>> calls = new ArrayList<>();
      for (int i = 0; i < CALLERS; i++) {
        AuthServiceGrpc.AuthServiceBlockingStub stub = replica(i);
        calls.add(
            pool.submit(
                () -> {
                  go.await();
                  return stub.getAccessToken(
                      GetAccessTokenRequest.newBuilder().setConnection(CONNECTION).build());
                }));
      }
      go.countDown();
      Set<String> tokens = new HashSet<>();
      for (Future<AccessToken> call : calls) {
        tokens.add(call.get(30, TimeUnit.SECONDS).getAccessToken());
      }

      long redemptions = sandbox.stats().refreshRedemptions() - before;
      System.out.printf(
          "[replicas] round %d: %d callers over %d replicas -> %d redemption(s), %d token(s)%n",
          round, CALLERS, gateways.size(), redemptions, tokens.size());
      assertThat(redemptions).as("round %d", round).isEqualTo(1);
      assertThat(tokens).as("round %d", round).hasSize(1);
      assertThat(sandbox.stats().refreshRejections()).isZero();
    }
    for (int i = 0; i < gateways.size(); i++) {
      assertThat(
              replica(i)
                  .getConnection(GetConnectionRequest.newBuilder().setName(CONNECTION).build())
                  .getState())
          .isEqualTo(Connection.State.ACTIVE);
    }
  }
}
