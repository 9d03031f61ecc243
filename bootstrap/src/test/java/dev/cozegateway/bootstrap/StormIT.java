package dev.cozegateway.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.cozegateway.adapters.redis.RedisServerExtension;
import dev.cozegateway.adapters.vault.KeyRing;
import dev.cozegateway.api.v1.AccessToken;
import dev.cozegateway.api.v1.AuthServiceGrpc;
import dev.cozegateway.api.v1.Authorization;
import dev.cozegateway.api.v1.Connection;
import dev.cozegateway.api.v1.GetAccessTokenRequest;
import dev.cozegateway.api.v1.GetConnectionRequest;
import dev.cozegateway.api.v1.StartAuthorizationRequest;
import dev.cozegateway.application.GetAccessToken;
import dev.cozegateway.sandbox.CozeSandbox;
import dev.cozegateway.sandbox.SandboxConfig;
import dev.cozegateway.sandbox.SandboxStats;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The storm: three gateway processes from the packaged jar share one real redis-server, in front of
 * a Coze sandbox that rejects any reused refresh token and counts redemptions. For 20 rounds, 300
 * concurrent {@code GetAccessToken} calls on an expired token, spread over the replicas, must cost
 * exactly one redemption, give every caller the same new token, and leave the connection {@code
 * ACTIVE} on every replica. Runs after {@code package}, under failsafe.
 *
 * <p>The children run on the system clock, so expiry cannot be moved by hand. Instead the sandbox
 * issues 62-second tokens and the gateway refreshes when less than its default 60 s is left: a new
 * token is fresh for at most two seconds, and each round waits (polling) until it is not.
 */
class StormIT {
  private static final Path JAR = Path.of("target", "coze-gateway.jar");
  private static final String CONNECTION = SandboxWiring.TENANT + "/connections/alice";
  private static final int REPLICAS = 3;
  private static final int CALLERS = 300;
  private static final int ROUNDS = 20;
  private static final Duration MIN_REMAINING = GetAccessToken.DEFAULT_MIN_REMAINING;
  private static final Duration TOKEN_LIFETIME = MIN_REMAINING.plusSeconds(2);
  private static final String SECRET_VARIABLE = "DEMO_SECRET";
  private static final Pattern GRPC_LISTENING =
      Pattern.compile("grpc listening on [^:\\s]+:(\\d+)");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration CALL_DEADLINE = Duration.ofSeconds(30);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
  private static final int LOG_TAIL_LINES = 40;

  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.plain();

  @TempDir Path dir;

  private final ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
  private final List<Replica> replicas = new ArrayList<>();
  private CozeSandbox sandbox;

  /** One child gateway process, the channel to it, and where its logs go. */
  private record Replica(
      int number, Process process, Path stdout, Path stderr, ManagedChannel channel) {
    Replica withChannel(ManagedChannel newChannel) {
      return new Replica(number, process, stdout, stderr, newChannel);
    }
  }

  @BeforeEach
  void start() throws Exception {
    int callbackPort = SandboxWiring.freePort();
    String callback = SandboxWiring.callbackUri(callbackPort);
    sandbox =
        CozeSandbox.start(
            SandboxConfig.demo(0, List.of(callback))
                .withAccessTokenLifetime(TOKEN_LIFETIME)
                .withAutoApprove(true));
    String keyLine = KeyRing.generateKeyLine("k1");
    String prefix = RedisServerExtension.uniquePrefix();

    // Start all three before waiting for any: their start-ups overlap.
    for (int number = 1; number <= REPLICAS; number++) {
      // All register one callback, as behind a load balancer; replica 1 serves it.
      int httpPort = number == 1 ? callbackPort : 0;
      replicas.add(launch(number, writeConfig(number, httpPort, callback, prefix), keyLine));
    }
    for (int i = 0; i < REPLICAS; i++) {
      int grpcPort = awaitGrpcPort(replicas.get(i));
      replicas.set(
          i,
          replicas
              .get(i)
              .withChannel(
                  NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build()));
    }
  }

  @AfterEach
  void stop() throws Exception {
    callers.shutdownNow();
    for (Replica replica : replicas) {
      if (replica.channel() != null) {
        replica.channel().shutdownNow();
      }
    }
    // SIGTERM to all first, so their drains overlap; then a bounded wait for each.
    replicas.forEach(replica -> replica.process().destroy());
    for (Replica replica : replicas) {
      if (!replica.process().waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        System.out.printf(
            "[storm] replica %d still running %d s after SIGTERM; killing it%n",
            replica.number(), STOP_TIMEOUT.toSeconds());
        replica.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    if (sandbox != null) {
      sandbox.close();
    }
  }

  @Test
  void everyStormOnAnExpiredTokenCostsExactlyOneRedemption() throws Exception {
    connect();
    String previous = warmUp();

    long redemptions = 0;
    long slowest = 0;
    Set<String> issued = new HashSet<>();
    for (int round = 1; round <= ROUNDS; round++) {
      awaitStale(round);
      SandboxStats before = sandbox.stats();
      long started = System.nanoTime();
      List<String> tokens = storm(round);
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      SandboxStats after = sandbox.stats();
      long redeemed = after.refreshRedemptions() - before.refreshRedemptions();
      Set<String> distinct = new HashSet<>(tokens);
      System.out.printf(
          "[storm] round %d: %d calls over %d replicas -> %d redemption(s), %d distinct token(s),"
              + " %d rejection(s), %d ms%n",
          round,
          tokens.size(),
          REPLICAS,
          redeemed,
          distinct.size(),
          after.refreshRejections(),
          millis);

      String context = "round " + round;
      assertThat(redeemed).as(() -> context + diagnostics()).isEqualTo(1);
      assertThat(after.refreshRejections()).as(() -> context + diagnostics()).isZero();
      assertThat(tokens).as(() -> context + diagnostics()).hasSize(CALLERS);
      assertThat(distinct).as(() -> context + diagnostics()).hasSize(1);
      String token = tokens.get(0);
      assertThat(token).as(() -> context + ": a new token" + diagnostics()).isNotEqualTo(previous);
      for (Replica replica : replicas) {
        assertThat(connection(replica).getState())
            .as(() -> context + ", replica " + replica.number() + diagnostics())
            .isEqualTo(Connection.State.ACTIVE);
      }
      redemptions += redeemed;
      slowest = Math.max(slowest, millis);
      issued.add(token);
      previous = token;
    }

    SandboxStats end = sandbox.stats();
    System.out.printf(
        "[storm] %d rounds x %d calls over %d replicas -> %d redemption(s), %d distinct new"
            + " token(s), %d rejection(s), connection ACTIVE on every replica; slowest round %d"
            + " ms%n",
        ROUNDS, CALLERS, REPLICAS, redemptions, issued.size(), end.refreshRejections(), slowest);
    assertThat(end.refreshRedemptions()).as("redemptions overall").isEqualTo(ROUNDS);
    assertThat(issued).as("one new token per round").hasSize(ROUNDS);
  }

  /** StartAuthorization on replica 3; the browser's trip ends at replica 1's callback. */
  private void connect() throws Exception {
    Authorization pending =
        stub(replicas.get(REPLICAS - 1))
            .startAuthorization(
                StartAuthorizationRequest.newBuilder()
                    .setParent(SandboxWiring.TENANT)
                    .setApp("apps/" + SandboxWiring.WEB_APP)
                    .setConnectionId("alice")
                    .setSubject("user-alice")
                    .build());
    HttpResponse<String> page =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NORMAL)
            .connectTimeout(Duration.ofSeconds(10))
            .build()
            .send(
                HttpRequest.newBuilder(URI.create(pending.getAuthorizeUri()))
                    .timeout(Duration.ofSeconds(30))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(page.body()).as(diagnostics()).contains("Coze account connected");
    assertThat(sandbox.stats().codeExchanges()).isEqualTo(1);
  }

  /**
   * One storm that must not refresh (any remaining lifetime will do), so that the first counted
   * round does not also pay for thread and channel start-up. Returns the connected token.
   */
  private String warmUp() throws Exception {
    List<String> tokens =
        callAll(
            GetAccessTokenRequest.newBuilder()
                .setConnection(CONNECTION)
                .setMinRemainingLifetime(com.google.protobuf.Duration.getDefaultInstance())
                .build(),
            "warm-up");
    assertThat(new HashSet<>(tokens)).as(diagnostics()).hasSize(1);
    assertThat(sandbox.stats().refreshRedemptions()).as("warm-up").isZero();
    return tokens.get(0);
  }

  /**
   * Waits until the stored token has less than the gateway's minimum lifetime left. Expiry times
   * are whole seconds (Coze's {@code expires_in}), so this happens just after a second boundary:
   * the storm, and the refresh, start then, and the new token stays fresh for nearly two seconds,
   * several times a storm's length. Otherwise late callers could rightly refresh a second time.
   */
  private void awaitStale(int round) {
    Replica replica = replicas.get(round % REPLICAS);
    awaitOrFail(
        "round " + round + ": the token to go stale",
        Duration.ofSeconds(10),
        () -> {
          com.google.protobuf.Timestamp expires = connection(replica).getAccessTokenExpireTime();
          Instant expireTime = Instant.ofEpochSecond(expires.getSeconds(), expires.getNanos());
          return Instant.now().plus(MIN_REMAINING).isAfter(expireTime);
        });
  }

  /** CALLERS default GetAccessToken calls, released together, round-robin over the replicas. */
  private List<String> storm(int round) throws Exception {
    return callAll(
        GetAccessTokenRequest.newBuilder().setConnection(CONNECTION).build(), "round " + round);
  }

  private List<String> callAll(GetAccessTokenRequest request, String context) throws Exception {
    CountDownLatch ready = new CountDownLatch(CALLERS);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<AccessToken>> calls = new ArrayList<>();
    for (int i = 0; i < CALLERS; i++) {
      AuthServiceGrpc.AuthServiceBlockingStub stub = stub(replicas.get(i % REPLICAS));
      calls.add(
          callers.submit(
              () -> {
                ready.countDown();
                go.await();
                return stub.withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                    .getAccessToken(request);
              }));
    }
    assertThat(ready.await(30, TimeUnit.SECONDS)).as(context + ": callers ready").isTrue();
    go.countDown();
    List<String> tokens = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < calls.size(); i++) {
      try {
        tokens.add(
            calls.get(i).get(CALL_DEADLINE.toSeconds() + 10, TimeUnit.SECONDS).getAccessToken());
      } catch (ExecutionException | TimeoutException e) {
        Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
        failures.add("call " + i + " on replica " + (i % REPLICAS + 1) + ": " + cause);
      }
    }
    assertThat(failures).as(() -> context + ": failed calls" + diagnostics()).isEmpty();
    return tokens;
  }

  private Connection connection(Replica replica) {
    return stub(replica)
        .getConnection(GetConnectionRequest.newBuilder().setName(CONNECTION).build());
  }

  private static AuthServiceGrpc.AuthServiceBlockingStub stub(Replica replica) {
    return AuthServiceGrpc.newBlockingStub(replica.channel())
        .withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The replica's YAML: Redis shared under one prefix, the sandbox's web app, secret by env. */
  private Path writeConfig(int number, int httpPort, String callback, String prefix)
      throws IOException {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.putObject("grpc").put("host", "127.0.0.1").put("port", 0);
    root.putObject("http").put("host", "127.0.0.1").put("port", httpPort);
    ObjectNode store = root.putObject("store").put("type", "redis");
    store.putObject("redis").put("port", REDIS.port()).put("key-prefix", prefix);
    // Only the callers may refresh here, so that each round's redemption count is theirs alone.
    root.putObject("refresh").put("sweep-enabled", false);
    root.putArray("apps")
        .addObject()
        .put("id", SandboxWiring.WEB_APP)
        .put("type", "web")
        .put("region", sandbox.baseUrl().toString())
        .put("client-id", SandboxConfig.DEMO_WEB_CLIENT_ID)
        .put("client-secret", "env:" + SECRET_VARIABLE)
        .put("redirect-uri", callback);
    Path config = dir.resolve("replica-" + number + ".yaml");
    Files.writeString(config, new ObjectMapper(new YAMLFactory()).writeValueAsString(root));
    return config;
  }

  private Replica launch(int number, Path config, String keyLine) throws IOException {
    Path stdout = dir.resolve("replica-" + number + ".out");
    Path stderr = dir.resolve("replica-" + number + ".err");
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                JAR.toString(),
                "serve",
                "--config",
                config.toString())
            .redirectOutput(stdout.toFile())
            .redirectError(stderr.toFile());
    Map<String, String> env = builder.environment();
    // Only this test's settings: a stray COZE_GATEWAY_* in the build's environment would change
    // the configuration, or fail it as an unknown setting.
    env.keySet().removeIf(name -> name.startsWith("COZE_GATEWAY_"));
    env.put("COZE_GATEWAY_VAULT_KEYS", keyLine);
    env.put(SECRET_VARIABLE, SandboxConfig.DEMO_WEB_CLIENT_SECRET);
    return new Replica(number, builder.start(), stdout, stderr, null);
  }

  /** The port from the replica's "grpc listening on host:port" line, once it is printed. */
  private int awaitGrpcPort(Replica replica) {
    awaitOrFail(
        "replica " + replica.number() + " to listen",
        START_TIMEOUT,
        () -> grpcPort(replica).isPresent() || !replica.process().isAlive());
    OptionalInt port = grpcPort(replica);
    assertThat(port.isPresent())
        .as(
            () ->
                "replica "
                    + replica.number()
                    + " exited ("
                    + replica.process().exitValue()
                    + ") before listening"
                    + diagnostics())
        .isTrue();
    return port.getAsInt();
  }

  private static OptionalInt grpcPort(Replica replica) {
    Matcher m = GRPC_LISTENING.matcher(read(replica.stdout()));
    return m.find() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
  }

  private void awaitOrFail(String what, Duration atMost, Callable<Boolean> condition) {
    try {
      await(what).atMost(atMost).pollInterval(Duration.ofMillis(50)).until(condition);
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          "timed out after " + atMost.toSeconds() + " s waiting for " + what + diagnostics(), e);
    }
  }

  /** The tail of every replica's stderr, for failure messages. */
  private String diagnostics() {
    StringBuilder out = new StringBuilder();
    for (Replica replica : replicas) {
      List<String> lines = read(replica.stderr()).lines().toList();
      out.append("\n--- replica ")
          .append(replica.number())
          .append(" stderr (last ")
          .append(LOG_TAIL_LINES)
          .append(" lines) ---\n");
      lines
          .subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size())
          .forEach(line -> out.append(line).append('\n'));
    }
    return out.toString();
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
