package dev.cozegateway.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cozegateway.adapters.redis.RedisServerExtension;
import dev.cozegateway.api.v1.AccessToken;
import dev.cozegateway.api.v1.AuthServiceGrpc;
import dev.cozegateway.api.v1.Authorization;
import dev.cozegateway.api.v1.Connection;
import dev.cozegateway.api.v1.GetAccessTokenRequest;
import dev.cozegateway.api.v1.StartAuthorizationRequest;
import dev.cozegateway.application.GetAccessToken;
import dev.cozegateway.sandbox.CozeSandbox;
import dev.cozegateway.sandbox.SandboxConfig;
import dev.cozegateway.sandbox.SandboxStats;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
  private static final String CONNECTION = SandboxWiring.TENANT + "/connections/alice";
  private static final int REPLICAS = 3;
  private static final int CALLERS = 300;
  private static final int ROUNDS = 20;
  private static final Duration MIN_REMAINING = GetAccessToken.DEFAULT_MIN_REMAINING;
  private static final Duration TOKEN_LIFETIME = MIN_REMAINING.plusSeconds(2);
  private static final Duration CALL_DEADLINE = Duration.ofSeconds(30);

  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.plain();

  @TempDir Path dir;

  private final ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
  private ServeReplicas fleet;
  private CozeSandbox sandbox;

  @BeforeEach
  void start() throws Exception {
    int callbackPort = SandboxWiring.freePort();
    String callback = SandboxWiring.callbackUri(callbackPort);
    sandbox =
        CozeSandbox.start(
            SandboxConfig.demo(0, List.of(callback))
                .withAccessTokenLifetime(TOKEN_LIFETIME)
                .withAutoApprove(true));
    List<String> names = new ArrayList<>();
    for (int number = 1; number <= REPLICAS; number++) {
      names.add(String.valueOf(number));
    }
    fleet =
        ServeReplicas.start(
            dir,
            "storm",
            names,
            sandbox,
            callbackPort,
            REDIS.port(),
            RedisServerExtension.uniquePrefix(),
            // Only the callers may refresh here, so that each round's redemption count is theirs.
            Map.of("sweep-enabled", "false"));
  }

  @AfterEach
  void stop() throws Exception {
    callers.shutdownNow();
    if (fleet != null) {
      fleet.close();
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
      assertThat(redeemed).as(() -> context + fleet.diagnostics()).isEqualTo(1);
      assertThat(after.refreshRejections()).as(() -> context + fleet.diagnostics()).isZero();
      assertThat(tokens).as(() -> context + fleet.diagnostics()).hasSize(CALLERS);
      assertThat(distinct).as(() -> context + fleet.diagnostics()).hasSize(1);
      String token = tokens.get(0);
      assertThat(token)
          .as(() -> context + ": a new token" + fleet.diagnostics())
          .isNotEqualTo(previous);
      for (ServeReplicas.Replica replica : fleet.replicas()) {
        assertThat(replica.connection().getState())
            .as(() -> context + ", replica " + replica.name() + fleet.diagnostics())
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
        fleet
            .get(REPLICAS - 1)
            .auth()
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
    assertThat(page.body()).as(fleet.diagnostics()).contains("Coze account connected");
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
    assertThat(new HashSet<>(tokens)).as(fleet.diagnostics()).hasSize(1);
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
    fleet.awaitStale(fleet.get(round % REPLICAS), "round " + round);
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
      AuthServiceGrpc.AuthServiceBlockingStub stub = fleet.get(i % REPLICAS).auth();
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
    assertThat(failures).as(() -> context + ": failed calls" + fleet.diagnostics()).isEmpty();
    return tokens;
  }
}
