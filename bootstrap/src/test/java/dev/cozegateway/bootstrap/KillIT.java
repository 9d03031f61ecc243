package dev.cozegateway.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cozegateway.adapters.redis.RedisServerExtension;
import dev.cozegateway.api.v1.AccessToken;
import dev.cozegateway.api.v1.Connection;
import dev.cozegateway.api.v1.GetAccessTokenRequest;
import dev.cozegateway.application.GetAccessToken;
import dev.cozegateway.sandbox.CozeSandbox;
import dev.cozegateway.sandbox.SandboxConfig;
import dev.cozegateway.sandbox.SandboxStats;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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
  private static final String CONNECTION = Alice.CONNECTION;
  private static final Duration MIN_REMAINING = GetAccessToken.DEFAULT_MIN_REMAINING;
  private static final Duration TOKEN_LIFETIME = MIN_REMAINING.plusSeconds(2);
  private static final Duration LEASE_TTL = Duration.ofSeconds(2);

  /**
   * How long a holder retries storing granted tokens; B waits that long (plus the clock-skew
   * allowance) from A's intent before it sends the token itself, in case A had redeemed it.
   */
  private static final Duration PERSIST_TIMEOUT = Duration.ofSeconds(1);

  /** When B may send the token: A's lease has lapsed and A's intent is surely over. */
  private static final Duration TAKEOVER_AFTER =
      LEASE_TTL.compareTo(PERSIST_TIMEOUT.plus(GetAccessToken.CLOCK_SKEW)) > 0
          ? LEASE_TTL
          : PERSIST_TIMEOUT.plus(GetAccessToken.CLOCK_SKEW);

  /** B's refresh may take the lease TTL, plus its polling pause and the refresh itself. */
  private static final Duration TAKEOVER_MARGIN = Duration.ofSeconds(3);

  private static final Duration CALL_DEADLINE = Duration.ofSeconds(30);

  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.plain();

  @TempDir Path dir;

  private final ExecutorService callers = Executors.newSingleThreadExecutor();
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
    fleet =
        ServeReplicas.start(
            dir,
            "kill",
            List.of("A", "B"),
            sandbox,
            callbackPort,
            REDIS.port(),
            RedisServerExtension.uniquePrefix(),
            // Only the test's calls may refresh, so the redemption count is theirs alone; a short
            // lease, so that B need not wait 15 s for A's to lapse.
            Map.of(
                "sweep-enabled",
                "false",
                "lease-ttl",
                LEASE_TTL.toSeconds() + "s",
                "persist-timeout",
                PERSIST_TIMEOUT.toSeconds() + "s"));
  }

  @AfterEach
  void stop() throws Exception {
    callers.shutdownNow();
    if (sandbox != null) {
      // Never leave a request held, whatever the test did.
      sandbox.dropHeldRefreshes();
    }
    if (fleet != null) {
      fleet.close();
    }
    if (sandbox != null) {
      sandbox.close();
    }
  }

  @Test
  void aReplicaKilledMidRefreshIsTakenOverByAnother() throws Exception {
    ServeReplicas.Replica a = fleet.get(0);
    ServeReplicas.Replica b = fleet.get(1);
    Alice.connect(a.auth());
    String stale =
        b.auth()
            .getAccessToken(
                GetAccessTokenRequest.newBuilder()
                    .setConnection(CONNECTION)
                    .setMinRemainingLifetime(com.google.protobuf.Duration.getDefaultInstance())
                    .build())
            .getAccessToken();
    fleet.awaitStale(b, "before the kill");

    // A takes the lease and sends its refresh, which the sandbox holds unprocessed.
    sandbox.holdRefreshes();
    Future<AccessToken> onA =
        callers.submit(
            () ->
                a.auth()
                    .getAccessToken(
                        GetAccessTokenRequest.newBuilder().setConnection(CONNECTION).build()));
    fleet.awaitOrFail(
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
    fleet.awaitOrFail(
        "the held refresh to be dropped",
        Duration.ofSeconds(10),
        () -> sandbox.heldRefreshes() == 0);
    Throwable aFailure = failureOf(onA);
    assertThat(sandbox.stats().refreshRedemptions()).isZero();

    // B takes over once A's lease lapses.
    long started = System.nanoTime();
    AccessToken token =
        b.auth()
            .getAccessToken(GetAccessTokenRequest.newBuilder().setConnection(CONNECTION).build());
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    SandboxStats stats = sandbox.stats();
    Connection.State state = b.connection().getState();
    boolean valid = sandbox.isAccessTokenValid(token.getAccessToken());

    System.out.printf("[kill] A's pending GetAccessToken failed: %s%n", aFailure);
    System.out.printf(
        "[kill] B's GetAccessToken took %d ms (takeover after %d ms + margin %d ms); new token: %b%n",
        took.toMillis(),
        TAKEOVER_AFTER.toMillis(),
        TAKEOVER_MARGIN.toMillis(),
        !token.getAccessToken().equals(stale));
    System.out.printf(
        "[kill] sandbox: %d refresh redemption(s), %d rejection(s); connection %s on B;"
            + " token valid at the sandbox: %b%n",
        stats.refreshRedemptions(), stats.refreshRejections(), state, valid);

    assertThat(took).as(fleet::diagnostics).isLessThan(TAKEOVER_AFTER.plus(TAKEOVER_MARGIN));
    assertThat(fleet.stderr(b))
        .as("B logs that it took over A's interrupted refresh")
        .contains("taking over a refresh that pid " + a.process().pid());
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
}
