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
import dev.cozegateway.api.v1.Connection;
import dev.cozegateway.api.v1.GetAccessTokenRequest;
import dev.cozegateway.api.v1.GetConnectionRequest;
import dev.cozegateway.application.GetAccessToken;
import dev.cozegateway.sandbox.CozeSandbox;
import dev.cozegateway.sandbox.SandboxConfig;
import dev.cozegateway.sandbox.SandboxStats;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kill test: two gateway processes from the packaged jar share one real redis-server, in front
 * of the Coze sandbox. Replica A takes the connection's refresh lease and sends its refresh, which
 * the sandbox holds before processing; A is then killed with SIGKILL (no drain, no lease release),
 * and the held request is dropped, as one that never reached Coze. Replica B must then refresh once
 * A's lease lapses (its TTL is 2 s here): one redemption, no rejection, a new token that the
 * sandbox accepts, and the connection still {@code ACTIVE}. Runs after {@code package}, under
 * failsafe.
 *
 * <p>As in {@link StormIT}, the sandbox issues 62-second tokens, so a token is stale for the
 * gateway's default 60 s minimum two seconds after it is issued.
 */
class KillIT {
  private static final Path JAR = Path.of("target", "coze-gateway.jar");
  private static final String CONNECTION = Alice.CONNECTION;
  private static final Duration MIN_REMAINING = GetAccessToken.DEFAULT_MIN_REMAINING;
  private static final Duration TOKEN_LIFETIME = MIN_REMAINING.plusSeconds(2);
  private static final Duration LEASE_TTL = Duration.ofSeconds(2);

  /** B's refresh may take the lease TTL, plus its polling pause and the refresh itself. */
  private static final Duration TAKEOVER_MARGIN = Duration.ofSeconds(3);

  private static final String SECRET_VARIABLE = "DEMO_SECRET";
  private static final Pattern GRPC_LISTENING =
      Pattern.compile("grpc listening on [^:\\s]+:(\\d+)");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration CALL_DEADLINE = Duration.ofSeconds(30);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
  private static final int LOG_TAIL_LINES = 40;

  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.plain();

  @TempDir Path dir;

  private final ExecutorService callers = Executors.newSingleThreadExecutor();
  private final List<Replica> replicas = new ArrayList<>();
  private CozeSandbox sandbox;

  /** One child gateway process, the channel to it, and where its logs go. */
  private record Replica(
      String name, Process process, Path stdout, Path stderr, ManagedChannel channel) {
    Replica withChannel(ManagedChannel newChannel) {
      return new Replica(name, process, stdout, stderr, newChannel);
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
    // Both register one callback, as behind a load balancer; A serves it.
    replicas.add(launch("A", writeConfig("A", callbackPort, callback, prefix), keyLine));
    replicas.add(launch("B", writeConfig("B", 0, callback, prefix), keyLine));
    for (int i = 0; i < replicas.size(); i++) {
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
    if (sandbox != null) {
      // Never leave a request held, whatever the test did.
      sandbox.dropHeldRefreshes();
    }
    for (Replica replica : replicas) {
      if (replica.channel() != null) {
        replica.channel().shutdownNow();
      }
    }
    replicas.forEach(replica -> replica.process().destroy());
    for (Replica replica : replicas) {
      if (!replica.process().waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        System.out.printf(
            "[kill] replica %s still running %d s after SIGTERM; killing it%n",
            replica.name(), STOP_TIMEOUT.toSeconds());
        replica.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    if (sandbox != null) {
      sandbox.close();
    }
  }

  @Test
  void aReplicaKilledMidRefreshIsTakenOverByAnother() throws Exception {
    Replica a = replicas.get(0);
    Replica b = replicas.get(1);
    Alice.connect(stub(a));
    String stale =
        stub(b)
            .getAccessToken(
                GetAccessTokenRequest.newBuilder()
                    .setConnection(CONNECTION)
                    .setMinRemainingLifetime(com.google.protobuf.Duration.getDefaultInstance())
                    .build())
            .getAccessToken();
    awaitStale(b);

    // A takes the lease and sends its refresh, which the sandbox holds unprocessed.
    sandbox.holdRefreshes();
    Future<AccessToken> onA =
        callers.submit(
            () ->
                stub(a)
                    .getAccessToken(
                        GetAccessTokenRequest.newBuilder().setConnection(CONNECTION).build()));
    awaitOrFail(
        "A's refresh to be held at the sandbox",
        Duration.ofSeconds(10),
        () -> sandbox.heldRefreshes() == 1);
    assertThat(onA).isNotDone();
    assertThat(sandbox.stats().refreshRedemptions()).isZero();

    // kill -9 mid-refresh: no drain, no lease release.
    a.process().destroyForcibly();
    assertThat(a.process().waitFor(10, TimeUnit.SECONDS)).as("A died").isTrue();
    assertThat(a.process().isAlive()).isFalse();
    int exitCode = a.process().exitValue();
    System.out.printf(
        "[kill] replica A (pid %d) killed with SIGKILL while its refresh was held; exit code %d%n",
        a.process().pid(), exitCode);

    // The held request never reached "Coze": dropped unprocessed.
    sandbox.dropHeldRefreshes();
    awaitOrFail(
        "the held refresh to be dropped",
        Duration.ofSeconds(10),
        () -> sandbox.heldRefreshes() == 0);
    Throwable aFailure = failureOf(onA);
    assertThat(sandbox.stats().refreshRedemptions()).isZero();

    // B takes over once A's lease lapses.
    long started = System.nanoTime();
    AccessToken token =
        stub(b)
            .getAccessToken(GetAccessTokenRequest.newBuilder().setConnection(CONNECTION).build());
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    SandboxStats stats = sandbox.stats();
    Connection.State state = connection(b).getState();
    boolean valid = sandbox.isAccessTokenValid(token.getAccessToken());

    System.out.printf("[kill] A's pending GetAccessToken failed: %s%n", aFailure);
    System.out.printf(
        "[kill] B's GetAccessToken took %d ms (lease TTL %d ms + margin %d ms); new token: %b%n",
        took.toMillis(),
        LEASE_TTL.toMillis(),
        TAKEOVER_MARGIN.toMillis(),
        !token.getAccessToken().equals(stale));
    System.out.printf(
        "[kill] sandbox: %d refresh redemption(s), %d rejection(s); connection %s on B;"
            + " token valid at the sandbox: %b%n",
        stats.refreshRedemptions(), stats.refreshRejections(), state, valid);

    assertThat(took).as(this::diagnostics).isLessThan(LEASE_TTL.plus(TAKEOVER_MARGIN));
    assertThat(token.getAccessToken()).isNotEmpty().isNotEqualTo(stale);
    assertThat(state).isEqualTo(Connection.State.ACTIVE);
    assertThat(stats.refreshRedemptions()).isEqualTo(1);
    assertThat(stats.refreshRejections()).isZero();
    assertThat(valid).as("the new access token works at the sandbox").isTrue();
  }

  /** A's call must fail (its process is gone); returns why. */
  private Throwable failureOf(Future<AccessToken> call) throws InterruptedException {
    try {
      AccessToken unexpected = call.get(CALL_DEADLINE.toSeconds(), TimeUnit.SECONDS);
      throw new AssertionError("A's call succeeded after A was killed: " + unexpected);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("A's call did not end after A was killed", e);
    }
  }

  /** Waits until the stored token has less than the gateway's minimum lifetime left. */
  private void awaitStale(Replica replica) {
    awaitOrFail(
        "the token to go stale",
        Duration.ofSeconds(10),
        () -> {
          com.google.protobuf.Timestamp expires = connection(replica).getAccessTokenExpireTime();
          Instant expireTime = Instant.ofEpochSecond(expires.getSeconds(), expires.getNanos());
          return Instant.now().plus(MIN_REMAINING).isAfter(expireTime);
        });
  }

  private Connection connection(Replica replica) {
    return stub(replica)
        .getConnection(GetConnectionRequest.newBuilder().setName(CONNECTION).build());
  }

  private static AuthServiceGrpc.AuthServiceBlockingStub stub(Replica replica) {
    return AuthServiceGrpc.newBlockingStub(replica.channel())
        .withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The replica's YAML: Redis shared under one prefix, a 2 s lease, no sweep, the web app. */
  private Path writeConfig(String name, int httpPort, String callback, String prefix)
      throws IOException {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.putObject("grpc").put("host", "127.0.0.1").put("port", 0);
    root.putObject("http").put("host", "127.0.0.1").put("port", httpPort);
    ObjectNode store = root.putObject("store").put("type", "redis");
    store.putObject("redis").put("port", REDIS.port()).put("key-prefix", prefix);
    // Only the test's calls may refresh, so the redemption count is theirs alone.
    root.putObject("refresh")
        .put("sweep-enabled", false)
        .put("lease-ttl", LEASE_TTL.toSeconds() + "s");
    root.putArray("apps")
        .addObject()
        .put("id", SandboxWiring.WEB_APP)
        .put("type", "web")
        .put("region", sandbox.baseUrl().toString())
        .put("client-id", SandboxConfig.DEMO_WEB_CLIENT_ID)
        .put("client-secret", "env:" + SECRET_VARIABLE)
        .put("redirect-uri", callback);
    Path config = dir.resolve("replica-" + name + ".yaml");
    Files.writeString(config, new ObjectMapper(new YAMLFactory()).writeValueAsString(root));
    return config;
  }

  private Replica launch(String name, Path config, String keyLine) throws IOException {
    Path stdout = dir.resolve("replica-" + name + ".out");
    Path stderr = dir.resolve("replica-" + name + ".err");
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
    env.keySet().removeIf(variable -> variable.startsWith("COZE_GATEWAY_"));
    env.put("COZE_GATEWAY_VAULT_KEYS", keyLine);
    env.put(SECRET_VARIABLE, SandboxConfig.DEMO_WEB_CLIENT_SECRET);
    return new Replica(name, builder.start(), stdout, stderr, null);
  }

  /** The port from the replica's "grpc listening on host:port" line, once it is printed. */
  private int awaitGrpcPort(Replica replica) {
    awaitOrFail(
        "replica " + replica.name() + " to listen",
        START_TIMEOUT,
        () -> grpcPort(replica).isPresent() || !replica.process().isAlive());
    OptionalInt port = grpcPort(replica);
    assertThat(port.isPresent())
        .as(() -> "replica " + replica.name() + " exited before listening" + diagnostics())
        .isTrue();
    return port.getAsInt();
  }

  private static OptionalInt grpcPort(Replica replica) {
    Matcher m = GRPC_LISTENING.matcher(read(replica.stdout()));
    return m.find() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
  }

  private void awaitOrFail(String what, Duration atMost, Callable<Boolean> condition) {
    try {
      await(what).atMost(atMost).pollInterval(Duration.ofMillis(20)).until(condition);
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
          .append(replica.name())
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
