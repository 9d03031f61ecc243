package dev.cozegateway.application;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cozegateway.domain.Connection;
import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.ConnectionState;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.TokenSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GetAccessTokenTest {
  private final AuthFixture fx = new AuthFixture();
  private final ExecutorService pool = Executors.newFixedThreadPool(50);

  @AfterEach
  void stopPool() {
    pool.shutdownNow();
  }

  private GetAccessToken.AccessToken get(ConnectionName name, Duration min) {
    return fx.useCases.getAccessToken().execute(new GetAccessToken.Command(name, min));
  }

  private TokenSet stored(ConnectionName name) {
    Connection c = fx.connections.find(name).orElseThrow();
    return SecretCodec.decodeTokens(fx.vault.open(c.tokens(), Connection.tokenContext(name)));
  }

  @Test
  void aFreshTokenIsReturnedWithoutCallingCoze() {
    ConnectionName alice = fx.connect("alice");

    GetAccessToken.AccessToken token = get(alice, null);

    assertThat(token.token()).isEqualTo(stored(alice).accessToken());
    assertThat(fx.coze.refreshCalls()).isZero();
  }

  @Test
  void aTokenBelowTheMinimumLifetimeIsRefreshedAndTheRotatedPairPersisted() {
    ConnectionName alice = fx.connect("alice");
    TokenSet before = stored(alice);
    fx.clock.advance(Duration.ofMinutes(14)); // 60 s left, default minimum is 60 s: still fresh
    assertThat(get(alice, null).token()).isEqualTo(before.accessToken());
    fx.clock.advance(Duration.ofSeconds(1));

    GetAccessToken.AccessToken token = get(alice, null);

    TokenSet after = stored(alice);
    assertThat(token.token()).isEqualTo(after.accessToken()).isNotEqualTo(before.accessToken());
    assertThat(after.refreshToken()).isNotEqualTo(before.refreshToken());
    assertThat(fx.coze.isLive(before.refreshToken().reveal())).isFalse();
    Connection connection = fx.connections.find(alice).orElseThrow();
    assertThat(connection.lastRefreshTime()).isEqualTo(fx.clock.instant());
    assertThat(connection.accessTokenExpireTime()).isEqualTo(token.expireTime());
  }

  @Test
  void aLargerMinimumForcesAnEarlierRefresh() {
    ConnectionName alice = fx.connect("alice");
    fx.clock.advance(Duration.ofMinutes(10)); // 5 minutes left

    get(alice, Duration.ofMinutes(4));
    assertThat(fx.coze.refreshCalls()).isZero();
    get(alice, Duration.ofMinutes(6));
    assertThat(fx.coze.successfulRefreshes()).isEqualTo(1);
  }

  @Test
  void fiftyConcurrentCallersShareOneRefresh() throws Exception {
    ConnectionName alice = fx.connect("alice");
    fx.clock.advance(Duration.ofMinutes(20));
    fx.coze.holdRefreshes();
    CountDownLatch ready = new CountDownLatch(50);
    List<Future<GetAccessToken.AccessToken>> calls = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      calls.add(
          pool.submit(
              () -> {
                ready.countDown();
                return get(alice, null);
              }));
    }
    assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
    fx.coze.openRefreshGate();

    List<String> tokens = new ArrayList<>();
    for (Future<GetAccessToken.AccessToken> call : calls) {
      tokens.add(call.get(10, TimeUnit.SECONDS).token().reveal());
    }
    assertThat(fx.coze.refreshCalls()).isEqualTo(1);
    assertThat(tokens).containsOnly(stored(alice).accessToken().reveal());
  }

  @Test
  void aRejectedRefreshTokenStillStoredMarksTheConnectionButKeepsIt() {
    ConnectionName alice = fx.connect("alice");
    fx.clock.advance(Duration.ofMinutes(20));
    fx.coze.revokeAllRefreshTokens();

    assertThatThrownBy(() -> get(alice, null))
        .isInstanceOfSatisfying(
            GatewayException.FailedPrecondition.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.NEEDS_REAUTHORIZATION);
              assertThat(e.metadata())
                  .containsEntry(GatewayException.COZE_ERROR_CODE, "invalid_grant");
            });
    Connection kept = fx.connections.find(alice).orElseThrow();
    assertThat(kept.state()).isEqualTo(ConnectionState.NEEDS_REAUTHORIZATION);
    // And later calls say so without calling Coze again.
    int calls = fx.coze.refreshCalls();
    assertThatThrownBy(() -> get(alice, null))
        .isInstanceOfSatisfying(
            GatewayException.FailedPrecondition.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.NEEDS_REAUTHORIZATION));
    assertThat(fx.coze.refreshCalls()).isEqualTo(calls);
  }

  @Test
  void aRejectionAfterAnotherWriterRotatedTheTokenReturnsTheNewerToken() throws Exception {
    ConnectionName alice = fx.connect("alice");
    fx.clock.advance(Duration.ofMinutes(20));
    fx.coze.holdRefreshes();
    Future<GetAccessToken.AccessToken> racing = pool.submit(() -> get(alice, null));
    // Another replica wins the race: it re-authorizes the same connection while we are in flight,
    // which also kills the refresh token we sent.
    while (fx.coze.refreshCalls() == 0) {
      Thread.onSpinWait();
    }
    fx.coze.revokeAllRefreshTokens();
    fx.connect("alice");
    fx.coze.openRefreshGate();

    GetAccessToken.AccessToken token = racing.get(10, TimeUnit.SECONDS);

    assertThat(token.token()).isEqualTo(stored(alice).accessToken());
    assertThat(fx.connections.find(alice).orElseThrow().state()).isEqualTo(ConnectionState.ACTIVE);
  }

  @Test
  void cozeOutagesSurfaceAsUnavailableAndChangeNothing() {
    ConnectionName alice = fx.connect("alice");
    Connection before = fx.connections.find(alice).orElseThrow();
    fx.clock.advance(Duration.ofMinutes(20));
    fx.coze.setUnavailable(true);

    assertThatThrownBy(() -> get(alice, null))
        .isInstanceOfSatisfying(
            GatewayException.Unavailable.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.COZE_UNAVAILABLE));
    assertUnchangedButForTheIntent(before, fx.connections.find(alice).orElseThrow());
  }

  /**
   * Whether Coze received a refresh that failed in transit is unknown, so its write-ahead intent
   * stays on the record; nothing else changes.
   */
  static void assertUnchangedButForTheIntent(Connection before, Connection after) {
    assertThat(after)
        .usingRecursiveComparison()
        .ignoringFields("version", "refreshIntent")
        .isEqualTo(before);
    assertThat(after.refreshIntent()).isNotNull();
    assertThat(after.version()).isEqualTo(before.version() + 1);
  }

  @Test
  void unknownConnectionsAreNotFound() {
    assertThatThrownBy(() -> get(AuthFixture.connection("nobody"), null))
        .isInstanceOfSatisfying(
            GatewayException.NotFound.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.CONNECTION_NOT_FOUND));
  }

  @Test
  void theMinimumLifetimeIsBounded() {
    assertThatThrownBy(
            () -> new GetAccessToken.Command(AuthFixture.connection("a"), Duration.ofMinutes(11)))
        .isInstanceOfSatisfying(
            GatewayException.InvalidArgument.class,
            e ->
                assertThat(e.violations())
                    .extracting("field")
                    .containsExactly("min_remaining_lifetime"));
  }

  @Test
  void aRefreshInFlightCannotOverwriteTheConnectionThatReplacedADeletedOne() throws Exception {
    ConnectionName alice = fx.connect("alice");
    fx.clock.advance(Duration.ofMinutes(20));
    fx.coze.holdRefreshes();
    Future<GetAccessToken.AccessToken> stale = pool.submit(() -> get(alice, null));
    while (fx.coze.refreshCalls() == 0) {
      Thread.onSpinWait();
    }
    // While Coze answers the old grant's refresh, the connection is deleted and authorized again.
    fx.useCases.deleteConnection().execute(alice);
    fx.connect("alice");
    TokenSet replacement = stored(alice);
    fx.coze.openRefreshGate();

    GetAccessToken.AccessToken returned = stale.get(10, TimeUnit.SECONDS);

    assertThat(stored(alice)).isEqualTo(replacement);
    assertThat(returned.token()).isEqualTo(replacement.accessToken());
  }
}
