package dev.cozegateway.application;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cozegateway.domain.Connection;
import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.ConnectionState;
import dev.cozegateway.domain.TokenSet;
import dev.cozegateway.domain.testing.InMemoryRefreshLeases;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RefreshSweepTest {
  private static final Duration WINDOW = Duration.ofMinutes(5);
  private static final Duration KEEP_ALIVE_AGE = Duration.ofDays(7);

  private final AuthFixture fx = new AuthFixture();
  private final RefreshSweep sweep = sweepOf(fx.useCases);
  private final ExecutorService pool = Executors.newFixedThreadPool(2);

  @AfterEach
  void stop() {
    fx.coze.openRefreshGate();
    pool.shutdownNow();
  }

  private RefreshSweep sweepOf(AuthUseCases useCases) {
    return new RefreshSweep(
        fx.connections, useCases.getAccessToken(), fx.clock, WINDOW, KEEP_ALIVE_AGE);
  }

  private Connection connection(ConnectionName name) {
    return fx.connections.find(name).orElseThrow();
  }

  private TokenSet stored(ConnectionName name) {
    Connection c = connection(name);
    return SecretCodec.decodeTokens(fx.vault.open(c.tokens(), Connection.tokenContext(name)));
  }

  @Test
  void tokensExpiringWithinTheWindowAreRefreshed() {
    ConnectionName alice = fx.connect("alice");
    TokenSet before = stored(alice);
    fx.clock.advance(Duration.ofMinutes(11)); // 4 minutes left

    RefreshSweep.Report report = sweep.execute();

    assertThat(report).isEqualTo(new RefreshSweep.Report(1, 1, 0, 0));
    assertThat(connection(alice).lastRefreshTime()).isEqualTo(fx.clock.instant());
    assertThat(stored(alice).refreshToken()).isNotEqualTo(before.refreshToken());
    assertThat(fx.coze.successfulRefreshes()).isEqualTo(1);
  }

  @Test
  void freshTokensAreNotTouched() {
    ConnectionName alice = fx.connect("alice");
    Connection before = connection(alice);
    fx.clock.advance(Duration.ofMinutes(9)); // 6 minutes left

    assertThat(sweep.execute()).isEqualTo(new RefreshSweep.Report(1, 0, 0, 0));
    assertThat(connection(alice)).isEqualTo(before);
    assertThat(fx.coze.refreshCalls()).isZero();
  }

  @Test
  void expiredTokensOfRecentConnectionsAreLeftToTheRequestPath() {
    ConnectionName alice = fx.connect("alice");
    fx.clock.advance(Duration.ofHours(1));

    assertThat(sweep.execute()).isEqualTo(new RefreshSweep.Report(1, 0, 0, 0));
    assertThat(connection(alice).lastRefreshTime()).isNull();
    assertThat(fx.coze.refreshCalls()).isZero();
  }

  @Test
  void tokensWhoseWholeLifetimeFitsInTheWindowAreNotRefreshedByEveryRun() {
    ConnectionName alice = fx.connect("alice");
    Connection c = connection(alice);
    // Coze granted a token for two minutes only: refreshing it would yield another one.
    Connection shortLived =
        new Connection(
            c.name(),
            c.app(),
            c.subject(),
            c.state(),
            c.createTime(),
            c.updateTime(),
            c.createTime().plus(Duration.ofMinutes(2)),
            null,
            c.tokens(),
            c.version());
    fx.connections.put(shortLived);
    fx.clock.advance(Duration.ofMinutes(1));

    assertThat(sweep.execute()).isEqualTo(new RefreshSweep.Report(1, 0, 0, 0));
    assertThat(fx.coze.refreshCalls()).isZero();
  }

  @Test
  void anIdleConnectionIsKeptAliveOnceAndNotAgainRightAfter() {
    ConnectionName alice = fx.connect("alice");
    TokenSet before = stored(alice);
    fx.clock.advance(KEEP_ALIVE_AGE.plusHours(1));

    RefreshSweep.Report first = sweep.execute();

    assertThat(first).isEqualTo(new RefreshSweep.Report(1, 0, 1, 0));
    assertThat(connection(alice).lastRefreshTime()).isEqualTo(fx.clock.instant());
    assertThat(fx.coze.isLive(before.refreshToken().reveal())).isFalse();
    assertThat(fx.coze.isLive(stored(alice).refreshToken().reveal())).isTrue();

    fx.clock.advance(Duration.ofMinutes(1));
    assertThat(sweep.execute()).isEqualTo(new RefreshSweep.Report(1, 0, 0, 0));
    assertThat(fx.coze.refreshCalls()).isEqualTo(1);
  }

  @Test
  void aConnectionRefreshedByAnotherCallerSinceTheCutoffIsNotKeptAliveAgain() {
    ConnectionName alice = fx.connect("alice");
    fx.clock.advance(KEEP_ALIVE_AGE.plusHours(1));
    GetAccessToken getAccessToken = fx.useCases.getAccessToken();
    Instant cutoff = fx.clock.instant().minus(KEEP_ALIVE_AGE);

    assertThat(getAccessToken.refreshUnlessRefreshedSince(alice, cutoff)).isTrue();
    // A second replica that listed the connection before that refresh re-checks and does nothing.
    assertThat(getAccessToken.refreshUnlessRefreshedSince(alice, cutoff)).isFalse();
    assertThat(fx.coze.refreshCalls()).isEqualTo(1);
  }

  @Test
  void twoReplicasSweepingTheSameExpiringConnectionRedeemItOnce() throws Exception {
    InMemoryRefreshLeases replicaLeases = new InMemoryRefreshLeases(fx.leaseState, fx.clock);
    AuthUseCases replica =
        new AuthUseCases(
            fx.apps,
            fx.connections,
            fx.authorizations,
            fx.vault,
            fx.coze,
            replicaLeases,
            GetAccessToken.DEFAULT_LEASE_TTL,
            fx.clock,
            new SecureRandom());
    ConnectionName alice = fx.connect("alice");
    fx.clock.advance(Duration.ofMinutes(11));
    fx.coze.holdRefreshes();

    Future<RefreshSweep.Report> first = pool.submit(() -> sweep.execute());
    while (fx.coze.refreshCalls() == 0) {
      Thread.onSpinWait();
    }
    Future<RefreshSweep.Report> second = pool.submit(() -> sweepOf(replica).execute());
    while (replicaLeases.attempts() < 2) { // refused the lease, and asked again
      Thread.onSpinWait();
    }
    fx.coze.openRefreshGate();

    RefreshSweep.Report a = first.get(10, TimeUnit.SECONDS);
    RefreshSweep.Report b = second.get(10, TimeUnit.SECONDS);
    assertThat(fx.coze.refreshCalls()).isEqualTo(1);
    assertThat(a.refreshed() + b.refreshed()).isEqualTo(1);
    assertThat(a.failed() + b.failed()).isZero();
    assertThat(connection(alice).lastRefreshTime()).isEqualTo(fx.clock.instant());
  }

  @Test
  void aConnectionThatNeedsReauthorizationIsCountedAndTheSweepGoesOn() {
    ConnectionName alice = fx.connect("alice");
    ConnectionName bob = fx.connect("bob");
    ConnectionName carol = fx.connect("carol");
    fx.clock.advance(Duration.ofMinutes(11));
    // Someone else redeemed bob's refresh token: Coze will refuse it.
    fx.coze.refresh(fx.apps.require(AuthFixture.WEB_APP), stored(bob).refreshToken());

    assertThat(sweep.execute()).isEqualTo(new RefreshSweep.Report(3, 2, 0, 1));
    assertThat(connection(bob).state()).isEqualTo(ConnectionState.NEEDS_REAUTHORIZATION);
    assertThat(connection(alice).lastRefreshTime()).isEqualTo(fx.clock.instant());
    assertThat(connection(carol).lastRefreshTime()).isEqualTo(fx.clock.instant());

    // Next run: bob is no longer active and is skipped; the others are fresh.
    int calls = fx.coze.refreshCalls();
    assertThat(sweep.execute()).isEqualTo(new RefreshSweep.Report(3, 0, 0, 0));
    assertThat(fx.coze.refreshCalls()).isEqualTo(calls);
  }

  @Test
  void aCozeOutageIsCountedAndChangesNothing() {
    ConnectionName alice = fx.connect("alice");
    Connection before = connection(alice);
    fx.clock.advance(Duration.ofMinutes(11));
    fx.coze.setUnavailable(true);

    assertThat(sweep.execute()).isEqualTo(new RefreshSweep.Report(1, 0, 0, 1));
    GetAccessTokenTest.assertUnchangedButForTheIntent(before, connection(alice));
  }

  @Test
  void theWindowIsBoundedByTheLargestMinimumLifetime() {
    assertThatThrownBy(
            () ->
                new RefreshSweep(
                    fx.connections,
                    fx.useCases.getAccessToken(),
                    fx.clock,
                    GetAccessToken.MAX_MIN_REMAINING.plusSeconds(1),
                    KEEP_ALIVE_AGE))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
