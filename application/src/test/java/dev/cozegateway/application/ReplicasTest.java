package dev.cozegateway.application;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.port.RefreshLeases.RefreshLease;
import dev.cozegateway.domain.testing.InMemoryRefreshLeases;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two gateway replicas over one store and one set of leases: only the lease holder calls Coze, the
 * other waits for its result in the store.
 */
class ReplicasTest {
  private final AuthFixture fx = new AuthFixture();
  private final InMemoryRefreshLeases replicaLeases =
      new InMemoryRefreshLeases(fx.leaseState, fx.clock);
  private final AuthUseCases replica =
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
  private final ExecutorService pool = Executors.newFixedThreadPool(2);

  @AfterEach
  void stop() {
    fx.coze.openRefreshGate();
    pool.shutdownNow();
  }

  private Future<GetAccessToken.AccessToken> getAsync(AuthUseCases useCases, ConnectionName name) {
    return pool.submit(
        () -> useCases.getAccessToken().execute(new GetAccessToken.Command(name, null)));
  }

  @Test
  void theReplicaWithoutTheLeaseWaitsForTheHoldersTokenAndNeverCallsCoze() throws Exception {
    ConnectionName alice = fx.connect("alice");
    fx.clock.advance(Duration.ofMinutes(20));
    fx.coze.holdRefreshes();
    Future<GetAccessToken.AccessToken> holder = getAsync(fx.useCases, alice);
    while (fx.coze.refreshCalls() == 0) {
      Thread.onSpinWait();
    }

    Future<GetAccessToken.AccessToken> waiter = getAsync(replica, alice);
    while (replicaLeases.attempts() < 2) { // it has asked, been refused, and asked again
      Thread.onSpinWait();
    }
    assertThat(waiter).isNotDone();
    fx.coze.openRefreshGate();

    assertThat(waiter.get(10, TimeUnit.SECONDS).token())
        .isEqualTo(holder.get(10, TimeUnit.SECONDS).token());
    assertThat(fx.coze.refreshCalls()).isEqualTo(1);
  }

  @Test
  void aDeadHoldersLeaseRunsOutAndTheNextReplicaRefreshes() throws Exception {
    ConnectionName alice = fx.connect("alice");
    fx.clock.advance(Duration.ofMinutes(20));
    // A replica took the lease and died: nobody will release it.
    RefreshLease abandoned =
        new InMemoryRefreshLeases(fx.leaseState, fx.clock)
            .tryAcquire(alice, GetAccessToken.DEFAULT_LEASE_TTL)
            .orElseThrow();

    Future<GetAccessToken.AccessToken> waiter = getAsync(replica, alice);
    while (replicaLeases.attempts() < 2) {
      Thread.onSpinWait();
    }
    assertThat(waiter).isNotDone();
    fx.clock.advance(GetAccessToken.DEFAULT_LEASE_TTL);

    GetAccessToken.AccessToken token = waiter.get(10, TimeUnit.SECONDS);
    assertThat(token.expireTime()).isAfter(fx.clock.instant());
    assertThat(fx.coze.successfulRefreshes()).isEqualTo(1);
    assertThat(abandoned.isHeld()).isFalse();
  }
}
